// Scheduled runs as users set them up: an installed binary (cmake --install, the Debian package
// `make package` builds, the Dockerfile that installs it) and the examples that schedule it
// (a Kubernetes CronJob with an Indexed Job and a merge, a systemd service and timer, a crontab
// line). The examples' pgward command lines run as written against a sandbox server, their
// paths mapped into a temporary directory, so that they cannot drift from the command line.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/sandbox/sandbox.h"
#include "tests/support/command.h"
#include "tests/support/prometheus.h"

namespace pgward {
namespace {

namespace fs = std::filesystem;
using testing::CommandResult;
using testing::RunCommand;

const fs::path kSource = PGWARD_SOURCE_DIR;
const fs::path kBuild = fs::path(PGWARD_BINARY).parent_path();

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/pgward-scheduled-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// `cmake --install` of the build tree into `prefix`.
void Install(const fs::path& prefix) {
  const CommandResult installed =
      RunCommand({"/usr/bin/cmake", "--install", kBuild.string(), "--prefix", prefix.string()});
  ASSERT_EQ(installed.exit_code, 0) << installed.err;
}

TEST(InstallTest, CmakeInstallPutsTheBinaryItsManPageAndDocsInPlace) {
  TempDir prefix;
  Install(prefix.path());
  const CommandResult version = RunCommand({(prefix.path() / "bin/pgward").string(), "--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_TRUE(version.out.starts_with("pgward ")) << version.out;
  // The man page is written from --help: it names the commands the binary has.
  const std::string man = ReadText(prefix.path() / "share/man/man1/pgward.1");
  EXPECT_NE(man.find(".TH PGWARD \"1\""), std::string::npos) << man.substr(0, 200);
  EXPECT_NE(man.find("report merge"), std::string::npos);
  EXPECT_TRUE(fs::exists(prefix.path() / "share/doc/pgward/report-json.md"));
  EXPECT_TRUE(fs::exists(prefix.path() / "share/doc/pgward/examples/kubernetes/pgward-fleet.yaml"));
  EXPECT_TRUE(fs::exists(prefix.path() / "share/pgward/schemas/report.schema.json"));
}

// The Debian package of `make package`, extracted with dpkg-deb -x into a temporary root: its
// binary runs from there and scans, and its dependencies are those dpkg-shlibdeps found, with
// libpq5 and libssl3 (loaded when pgward first uses them, so not among them).
// The Dockerfile builds and installs that same package: its commands are checked against it.
TEST(InstallTest, TheDebianPackageRunsFromAnExtractedRootAndTheDockerfileInstallsIt) {
  TempDir directory;
  const CommandResult packed =
      RunCommand({"/usr/bin/cpack", "-G", "DEB", "--config",
                  (kBuild / "CPackConfig.cmake").string(), "-B", directory.path().string()});
  ASSERT_EQ(packed.exit_code, 0) << packed.out << packed.err;
  fs::path package;
  for (const auto& entry : fs::directory_iterator(directory.path())) {
    if (entry.path().extension() == ".deb") package = entry.path();
  }
  ASSERT_FALSE(package.empty()) << packed.out;
  const CommandResult depends =
      RunCommand({"/usr/bin/dpkg-deb", "--field", package.string(), "Depends"});
  for (const char* library : {"libpq5", "libssl3", "libyaml-0-2", "libre2"}) {
    EXPECT_NE(depends.out.find(library), std::string::npos) << depends.out;
  }
  const fs::path root = directory.path() / "root";
  ASSERT_EQ(RunCommand({"/usr/bin/dpkg-deb", "-x", package.string(), root.string()}).exit_code, 0);
  const std::string pgward = (root / "usr/bin/pgward").string();
  const CommandResult version = RunCommand({pgward, "--version"});
  EXPECT_EQ(version.exit_code, 0) << version.err;
  EXPECT_EQ(version.out, RunCommand({PGWARD_BINARY, "--version"}).out);
  const CommandResult scan =
      RunCommand({pgward, "scan", "--hba",
                  (kSource / "fixtures/scan/insecure_pg_hba.conf").string(), "--format", "json"});
  EXPECT_EQ(scan.exit_code, 1) << scan.err;
  EXPECT_FALSE(nlohmann::json::parse(scan.out)["findings"].empty());
  EXPECT_TRUE(fs::exists(root / "usr/share/man/man1/pgward.1"));

  // The Dockerfile: the build stage runs the same install-deps and `make package`, the runtime
  // stage installs the package file that makes, and runs the binary where the package puts it.
  const std::string dockerfile = ReadText(kSource / "Dockerfile");
  EXPECT_NE(dockerfile.find("FROM debian:12 AS build"), std::string::npos);
  EXPECT_NE(dockerfile.find("RUN scripts/install-deps && make package"), std::string::npos);
  const std::string built = "/src/build/package/" + package.filename().string();
  EXPECT_NE(dockerfile.find("COPY --from=build " + built + " /tmp/"), std::string::npos)
      << "the Dockerfile must copy " << built;
  EXPECT_NE(dockerfile.find("apt-get install -y --no-install-recommends /tmp/" +
                            package.filename().string()),
            std::string::npos);
  EXPECT_NE(dockerfile.find("ENTRYPOINT [\"/usr/bin/pgward\"]"), std::string::npos);
  // The Makefile's package target is where the Dockerfile finds the package.
  EXPECT_NE(ReadText(kSource / "Makefile").find("cpack -G DEB"), std::string::npos);
}

// The examples' command lines run against one sandbox server: every service the inventories
// name points at it, and the examples' absolute paths are mapped into `root`.
class ScheduledExamplesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.GrantScannerHbaFileRules();
    for (const char* directory : {"etc/pgward", "etc/pgward-secrets", "var/lib/pgward",
                                  "var/lib/node_exporter/textfile_collector", "reports"}) {
      fs::create_directories(root_.path() / directory);
    }
    std::ofstream services(config() / "pg_service.conf");
    for (const char* service : {"orders-eu", "reporting", "billing"}) {
      services << "[" << service << "]\nhost=" << server_.host() << "\nport=" << server_.port()
               << "\ndbname=postgres\nuser=" << sandbox::kScannerRole
               << "\nsslrootcert=" << server_.pki().ca_certificate().string() << "\n";
    }
    std::ofstream(root_.path() / "etc/pgward-secrets/pgpass");
    fs::permissions(root_.path() / "etc/pgward-secrets/pgpass", fs::perms::owner_read);
  }

  fs::path config() const { return root_.path() / "etc/pgward"; }

  // The example's absolute paths, mapped into the temporary root.
  std::string Mapped(std::string text) const {
    text = std::regex_replace(text, std::regex("/usr/bin/pgward"), PGWARD_BINARY);
    for (const char* path : {"/etc/pgward-secrets", "/etc/pgward", "/var/lib/pgward",
                             "/var/lib/node_exporter", "/reports"}) {
      text = std::regex_replace(text, std::regex(std::string("(^|[ =])") + path),
                                "$1" + (root_.path().string() + path));
    }
    return text;
  }

  CommandResult RunShell(const std::string& command, std::map<std::string, std::string> env) {
    std::vector<std::string> argv = {"/usr/bin/env", "PATH=" + kBuild.string() + ":/usr/bin:/bin",
                                     "PGSERVICEFILE=" + (config() / "pg_service.conf").string()};
    for (const auto& [name, value] : env) argv.push_back(name + "=" + Mapped(value));
    argv.insert(argv.end(), {"/bin/sh", "-c", Mapped(command)});
    testing::CommandOptions options;
    options.cwd = root_.path().string();
    options.timeout_seconds = 120;
    return RunCommand(argv, options);
  }

  sandbox::Sandbox server_;
  TempDir root_;
};

// Every CronJob of the Kubernetes example, as JSON: its name, completions, the container's
// command and environment, and the ConfigMaps' files.
constexpr char kKubernetes[] = R"(
import json, sys, yaml
jobs, files = [], {}
for document in yaml.safe_load_all(open(sys.argv[1])):
    if document["kind"] == "ConfigMap":
        files.update(document["data"])
    if document["kind"] == "CronJob":
        job = document["spec"]["jobTemplate"]["spec"]
        container = job["template"]["spec"]["containers"][0]
        jobs.append({"name": document["metadata"]["name"],
                     "indexed": job.get("completionMode") == "Indexed",
                     "completions": job.get("completions", 1),
                     "command": container["command"],
                     "env": {e["name"]: e["value"] for e in container.get("env", [])}})
print(json.dumps({"jobs": jobs, "files": files}))
)";

TEST_F(ScheduledExamplesTest, TheKubernetesIndexedJobAndItsMergeRunAsWritten) {
  const CommandResult extracted =
      RunCommand({"/usr/bin/python3", "-c", kKubernetes,
                  (kSource / "examples/kubernetes/pgward-fleet.yaml").string()});
  ASSERT_EQ(extracted.exit_code, 0) << extracted.err;
  const nlohmann::json manifest = nlohmann::json::parse(extracted.out);
  // The ConfigMap's inventory as it is; its services are the test's, on the sandbox.
  std::ofstream(config() / "inventory.yaml")
      << manifest["files"]["inventory.yaml"].get<std::string>();
  ASSERT_EQ(manifest["jobs"].size(), 2u);
  const nlohmann::json& scan = manifest["jobs"][0];
  const nlohmann::json& merge = manifest["jobs"][1];
  ASSERT_TRUE(scan["indexed"]) << scan.dump();
  ASSERT_EQ(scan["command"][0], "/bin/sh");
  const int completions = scan["completions"];
  EXPECT_EQ(completions, 3);
  for (int index = 0; index < completions; ++index) {
    auto env = scan["env"].get<std::map<std::string, std::string>>();
    env.erase("PGSERVICEFILE");  // the test's services, not the example's host names
    env["JOB_COMPLETION_INDEX"] = std::to_string(index);
    const CommandResult pod = RunShell(scan["command"][2], env);
    EXPECT_EQ(pod.exit_code, 0) << "pod " << index << ": " << pod.err;
  }
  const CommandResult merged = RunShell(merge["command"][2], {});
  EXPECT_EQ(merged.exit_code, 0) << merged.err;
  const nlohmann::json fleet =
      nlohmann::json::parse(ReadText(root_.path() / "reports/fleet/pgward.json"));
  EXPECT_EQ(fleet["targets"], nlohmann::json::array({"billing", "orders-eu", "reporting"}));
  EXPECT_TRUE(fleet["errors"].empty()) << fleet["errors"].dump();
  EXPECT_TRUE(fleet["invocation"]["shard"].is_null());
  const std::string metrics = (root_.path() / "reports/fleet/pgward.prom").string();
  EXPECT_EQ(testing::PromtoolCheckMetrics(metrics).exit_code, 0);
  EXPECT_EQ(testing::SampleValue(testing::ParseExposition(metrics), "pgward_run_complete",
                                 nlohmann::json::object()),
            1);
}

// The ExecStart= of a unit file, continuation lines joined.
std::string ExecStart(const fs::path& unit) {
  std::istringstream lines(ReadText(unit));
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("ExecStart=")) return line.substr(std::string("ExecStart=").size());
  }
  return "";
}

TEST_F(ScheduledExamplesTest, TheSystemdUnitsVerifyAndTheServiceRunsNightAfterNight) {
  // systemd-analyze verify checks the units and that the binary they run exists: it is given an
  // installed prefix, as the package would lay it out. Their man page is checked here rather
  // than through `man`, which a minimal machine lacks.
  const fs::path prefix = root_.path() / "usr";
  Install(prefix);
  const fs::path units = root_.path() / "units";
  fs::create_directories(units);
  for (const char* name : {"pgward-scan.service", "pgward-scan.timer"}) {
    std::string text = ReadText(kSource / "examples/systemd" / name);
    EXPECT_NE(text.find("Documentation=man:pgward(1)"), std::string::npos) << name;
    text =
        std::regex_replace(text, std::regex("/usr/bin/pgward"), (prefix / "bin/pgward").string());
    std::ofstream(units / name) << text;
  }
  EXPECT_TRUE(fs::exists(prefix / "share/man/man1/pgward.1"));
  const CommandResult verified = RunCommand({"/usr/bin/systemd-analyze", "verify", "--man=no",
                                             (units / "pgward-scan.service").string(),
                                             (units / "pgward-scan.timer").string()});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  EXPECT_EQ(verified.err, "");

  // The service's command, twice: the second night says what changed since the first.
  fs::copy(kSource / "examples/inventory.yaml", config() / "inventory.yaml");
  fs::create_directories(config() / "hba");
  fs::copy(kSource / "examples/hba/orders-eu.conf", config() / "hba/orders-eu.conf");
  const std::string command = ExecStart(kSource / "examples/systemd/pgward-scan.service");
  ASSERT_FALSE(command.empty());
  for (int night = 0; night < 2; ++night) {
    const CommandResult run = RunShell(command, {});
    EXPECT_EQ(run.exit_code, 0) << run.err;
  }
  const std::string text = ReadText(root_.path() / "var/lib/pgward/reports/pgward.txt");
  EXPECT_TRUE(text.starts_with("CHANGES SINCE ")) << text.substr(0, 300);
  EXPECT_EQ(testing::PromtoolCheckMetrics(
                (root_.path() / "var/lib/node_exporter/textfile_collector/pgward.prom").string())
                .exit_code,
            0);
}

TEST_F(ScheduledExamplesTest, TheCrontabLineRuns) {
  fs::copy(kSource / "examples/inventory.yaml", config() / "inventory.yaml");
  fs::create_directories(config() / "hba");
  fs::copy(kSource / "examples/hba/orders-eu.conf", config() / "hba/orders-eu.conf");
  std::istringstream lines(ReadText(kSource / "examples/cron/pgward.cron"));
  size_t commands = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line.starts_with("#") || line.find('=') < line.find(' ')) continue;
    // Five time fields and the user (an /etc/cron.d line), then the command.
    std::istringstream fields(line);
    std::string field;
    for (int i = 0; i < 6; ++i) fields >> field;
    std::string command;
    std::getline(fields, command);
    ++commands;
    const CommandResult run = RunShell(command, {});
    EXPECT_EQ(run.exit_code, 0) << command << "\n" << run.err;
  }
  EXPECT_EQ(commands, 1u);
  EXPECT_TRUE(fs::exists(root_.path() / "var/lib/pgward/reports/pgward.sarif"));
}

}  // namespace
}  // namespace pgward
