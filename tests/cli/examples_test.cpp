// examples/: every YAML file parses, and every pgward command line in the CI examples runs
// against fixtures in a throwaway git repository (a base branch and a change), so that an
// example cannot drift from the command line: a usage error (exit 2) or missing evidence (3)
// fails the test.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/sandbox/sandbox.h"
#include "tests/support/command.h"

namespace pgward {
namespace {

namespace fs = std::filesystem;
using testing::CommandResult;
using testing::RunCommand;

const fs::path kExamples = fs::path(PGWARD_SOURCE_DIR) / "examples";

// Parses a YAML file and prints, as JSON, the shell lines of its CI steps that run pgward:
// GitHub steps' `run` and GitLab jobs' `script`.
constexpr char kExtract[] = R"(
import json, sys, yaml
document = yaml.safe_load(open(sys.argv[1]))
lines = []
def shell(text):
    for line in str(text).splitlines():
        if line.strip().startswith("pgward "):
            lines.append(line.strip())
if isinstance(document, dict):
    for job in (document.get("jobs") or {}).values():
        for step in job.get("steps", []):
            if "run" in step:
                shell(step["run"])
    for name, job in document.items():
        if isinstance(job, dict) and "script" in job:
            for line in job["script"]:
                shell(line)
print(json.dumps(lines))
)";

std::vector<std::string> PgwardLines(const fs::path& file) {
  const CommandResult result = RunCommand({"/usr/bin/python3", "-c", kExtract, file.string()});
  EXPECT_EQ(result.exit_code, 0) << file << ": " << result.err;
  if (result.exit_code != 0) return {};
  return nlohmann::json::parse(result.out).get<std::vector<std::string>>();
}

TEST(ExamplesTest, EveryYamlExampleParses) {
  size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(kExamples)) {
    const std::string name = entry.path().filename().string();
    if (!name.ends_with(".yml") && !name.ends_with(".yaml")) continue;
    ++files;
    const CommandResult result = RunCommand(
        {"/usr/bin/python3", "-c", "import sys, yaml; list(yaml.safe_load_all(open(sys.argv[1])))",
         entry.path().string()});
    EXPECT_EQ(result.exit_code, 0) << entry.path() << ": " << result.err;
  }
  EXPECT_GE(files, 4u);
}

TEST(ExamplesTest, ThePreCommitExampleNamesHooksThisRepositoryHas) {
  const CommandResult result = RunCommand(
      {"/usr/bin/python3", "-c",
       "import sys, yaml\n"
       "hooks = {h['id'] for h in yaml.safe_load(open(sys.argv[1]))}\n"
       "used = {h['id'] for r in yaml.safe_load(open(sys.argv[2]))['repos'] for h in r['hooks']}\n"
       "print(sorted(used - hooks)); sys.exit(1 if used - hooks or not used else 0)\n",
       std::string(PGWARD_SOURCE_DIR) + "/.pre-commit-hooks.yaml",
       (kExamples / "pre-commit-config.yaml").string()});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
}

TEST(ExamplesTest, EveryPgwardCommandOfTheCiExamplesRuns) {
  const fs::path repository = fs::path(::testing::TempDir()) / "pgward-examples";
  fs::remove_all(repository);
  fs::create_directories(repository / "db");
  const std::string source = PGWARD_SOURCE_DIR;
  const std::string path = fs::path(PGWARD_BINARY).parent_path().string() + ":/usr/bin:/bin";
  const fs::path summary = repository / "step-summary.md";
  const auto run = [&](const std::string& shell) {
    testing::CommandOptions options;
    options.cwd = repository.string();
    return RunCommand(
        {"/usr/bin/env", "PATH=" + path, "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
         "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "HBA_FILE=db/pg_hba.conf",
         "GITHUB_BASE_REF=main", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME=main",
         "GITHUB_STEP_SUMMARY=" + summary.string(), "/bin/bash", "-c", shell},
        options);
  };
  // The base branch, as CI fetches it (origin/main), then the pull request's change.
  fs::copy_file(source + "/fixtures/hba-diff/plaintext-opened/base/pg_hba.conf",
                repository / "db/pg_hba.conf");
  ASSERT_EQ(run("git init -q && git add . && git commit -q -m base && "
                "git update-ref refs/remotes/origin/main HEAD")
                .exit_code,
            0);
  fs::copy_file(source + "/fixtures/hba-diff/plaintext-opened/head/pg_hba.conf",
                repository / "db/pg_hba.conf", fs::copy_options::overwrite_existing);

  size_t commands = 0;
  for (const fs::path& example :
       {kExamples / "github" / "pgward-pr.yml", kExamples / "gitlab" / ".gitlab-ci.yml"}) {
    for (const std::string& line : PgwardLines(example)) {
      ++commands;
      const CommandResult result = run(line);
      // 0 or 1: the command ran and judged the change (this one opens plaintext).
      EXPECT_TRUE(result.exit_code == 0 || result.exit_code == 1)
          << example.filename() << ": " << line << " exited " << result.exit_code << "\n"
          << result.err;
    }
  }
  EXPECT_GE(commands, 5u);
  // What the examples promise: a step summary, annotations, a SARIF file, GitLab's reports.
  std::ifstream in(summary);
  const std::string markdown((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  EXPECT_NE(markdown.find("#### Access changes"), std::string::npos) << markdown;
  // Against the base branch: code scanning learns which alerts the change brings.
  std::ifstream sarif_file(repository / "pgward.sarif");
  const nlohmann::json sarif = nlohmann::json::parse(sarif_file, nullptr, false);
  ASSERT_TRUE(sarif.is_object());
  std::set<std::string> states;
  for (const auto& result : sarif["runs"][0]["results"]) states.insert(result["baselineState"]);
  EXPECT_TRUE(states.contains("new")) << sarif["runs"][0]["results"].dump();
  EXPECT_TRUE(states.contains("unchanged")) << sarif["runs"][0]["results"].dump();
  EXPECT_TRUE(fs::exists(repository / "reports" / "gl-code-quality-report.json"));
  EXPECT_TRUE(fs::exists(repository / "reports" / "pgward.junit.xml"));
}

// The commands an example's comments give, indented as code ("#   pgward ..."), continuation
// lines joined.
std::vector<std::string> CommentedCommands(const fs::path& file) {
  std::ifstream in(file);
  std::vector<std::string> commands;
  bool continued = false;
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("#")) {
      continued = false;
      continue;
    }
    const size_t text = line.find_first_not_of("# ");
    const std::string content = text == std::string::npos ? "" : line.substr(text);
    if (continued) {
      commands.back() += " " + content;
    } else if (line.starts_with("#  ") && content.starts_with("pgward ")) {  // indented: code
      commands.push_back(content);
    } else {
      continue;
    }
    continued = commands.back().ends_with("\\");
    if (continued) commands.back().pop_back();
  }
  return commands;
}

// Every command the examples' comments give runs as written, from a directory that has the
// repository's examples/ and fixtures/, with the inventory's services pointing at a real server.
TEST(ExamplesTest, EveryCommandInTheExamplesCommentsRuns) {
  sandbox::Sandbox server;
  server.GrantScannerHbaFileRules();
  // As examples/inventory.yaml asks of the role of its PCI scan (PGW-SRV-010).
  server.Query("GRANT SELECT (rolname, rolpassword) ON pg_catalog.pg_authid TO " +
               std::string(sandbox::kScannerRole));
  const fs::path directory =
      fs::path(::testing::TempDir()) / ("pgward-example-commands-" + std::to_string(getpid()));
  fs::remove_all(directory);
  fs::create_directories(directory);
  for (const char* tree : {"examples", "fixtures"}) {
    fs::create_directory_symlink(fs::path(PGWARD_SOURCE_DIR) / tree, directory / tree);
  }
  // The services examples/inventory.yaml names, as its comment shows them, on the sandbox.
  const std::string services = (directory / "pg_service.conf").string();
  {
    std::ofstream out(services);
    for (const char* service : {"orders-eu", "reporting"}) {
      out << "[" << service << "]\nhost=" << server.host() << "\nport=" << server.port()
          << "\ndbname=postgres\nuser=" << sandbox::kScannerRole
          << "\nsslrootcert=" << server.pki().ca_certificate().string() << "\n";
    }
  }
  const std::string path = fs::path(PGWARD_BINARY).parent_path().string() + ":/usr/bin:/bin";
  size_t commands = 0;
  std::set<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(kExamples)) {
    for (const std::string& command : CommentedCommands(entry.path())) {
      ++commands;
      files.insert(entry.path().filename().string());
      testing::CommandOptions options;
      options.cwd = directory.string();
      options.timeout_seconds = 120;
      const CommandResult result = RunCommand(
          {"/usr/bin/env", "PATH=" + path, "PGSERVICEFILE=" + services, "/bin/bash", "-c", command},
          options);
      // 0 or 1: it ran and judged what it was given; 2 (usage) or 3 (evidence missing) is drift.
      EXPECT_TRUE(result.exit_code == 0 || result.exit_code == 1)
          << entry.path() << ": " << command << " exited " << result.exit_code << "\n"
          << result.out << result.err;
    }
  }
  EXPECT_GE(commands, 5u);
  for (const char* file :
       {"inventory.yaml", "waivers.yaml", "acme-policy.yaml", "strict-baseline.yaml"}) {
    EXPECT_TRUE(files.contains(file)) << file << " gives no command";
  }
  // The inventory's run reached both servers and wrote its reports.
  std::ifstream report(directory / "reports" / "pgward.json");
  std::stringstream text;
  text << report.rdbuf();
  const nlohmann::json json = nlohmann::json::parse(text.str(), nullptr, false);
  ASSERT_TRUE(json.is_object()) << text.str();
  EXPECT_EQ(json["targets"], nlohmann::json::array({"orders-eu"})) << json["targets"];
  EXPECT_TRUE(json["errors"].empty()) << json["errors"];
  fs::remove_all(directory);
}

}  // namespace
}  // namespace pgward
