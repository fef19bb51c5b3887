// scan --evidence-dir and pgward evidence verify: a bundle a signature vouches for, checked by
// pgward and by OpenSSL's own `openssl cms -verify`; any change to it is found and named.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "tests/support/command.h"

namespace pgward {
namespace {

namespace fs = std::filesystem;
using testing::RunCommand;
using testing::RunPgward;

const std::string kHba = std::string(PGWARD_SOURCE_DIR) + "/fixtures/scan/insecure_pg_hba.conf";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

class EvidenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = fs::path(::testing::TempDir()) /
                 ("pgward-evidence-" +
                  std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
                  "-" + std::to_string(getpid()));
    fs::remove_all(directory_);
    fs::create_directories(directory_);
    // A CA, and a signing certificate it issued (made by the openssl tool, as an assessor's
    // organisation would).
    Openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", Path("ca.key"), "-out",
             Path("ca.pem"), "-subj", "/CN=pgward test evidence CA", "-days", "2", "-addext",
             "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"});
    Openssl({"req", "-newkey", "rsa:2048", "-nodes", "-keyout", Path("signer.key"), "-out",
             Path("signer.csr"), "-subj", "/CN=compliance runner"});
    std::ofstream(Path("signer.ext"))
        << "keyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection\n";
    Openssl({"x509", "-req", "-in", Path("signer.csr"), "-CA", Path("ca.pem"), "-CAkey",
             Path("ca.key"), "-CAcreateserial", "-out", Path("signer.pem"), "-days", "2",
             "-extfile", Path("signer.ext")});
    // Another CA, which did not issue it.
    Openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", Path("other.key"), "-out",
             Path("other.pem"), "-subj", "/CN=another CA", "-days", "2"});
    bundle_ = Path("bundle");
  }
  void TearDown() override { fs::remove_all(directory_); }

  std::string Path(const std::string& name) const { return (directory_ / name).string(); }

  void Openssl(std::vector<std::string> arguments) {
    arguments.insert(arguments.begin(), "openssl");
    const auto result = RunCommand(arguments);
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }

  testing::CommandResult Scan(std::vector<std::string> extra = {}) {
    std::vector<std::string> arguments = {"scan",     "--hba", kHba,     "--evidence-dir", bundle_,
                                          "--format", "json",  "--pack", "pci-dss-4.0"};
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    return RunPgward(arguments);
  }

  testing::CommandResult Verify(bool with_ca = true) {
    std::vector<std::string> arguments = {"evidence", "verify", bundle_};
    if (with_ca) {
      arguments.push_back("--ca-file");
      arguments.push_back(Path("ca.pem"));
    } else {
      arguments.push_back("--unsigned");
    }
    return RunPgward(arguments);
  }

  fs::path directory_;
  std::string bundle_;
};

TEST_F(EvidenceTest, ASignedBundleVerifiesAndOpensslAcceptsItsSignature) {
  const auto scan = Scan({"--sign-key", Path("signer.key"), "--sign-cert", Path("signer.pem")});
  ASSERT_EQ(scan.exit_code, 1) << scan.err;  // the file has findings; the bundle is written
  for (const char* name : {"pgward.txt", "pgward.json", "pgward.sarif", "pgward.junit.xml",
                           "manifest.json", "manifest.json.p7s"}) {
    EXPECT_TRUE(fs::exists(fs::path(bundle_) / name)) << name;
  }
  const nlohmann::json manifest =
      nlohmann::json::parse(ReadFile(fs::path(bundle_) / "manifest.json"));
  EXPECT_EQ(manifest["tool"]["name"], "pgward");
  EXPECT_FALSE(manifest["operating_system_user"].get<std::string>().empty());
  EXPECT_FALSE(manifest["host"].get<std::string>().empty());
  EXPECT_FALSE(manifest["started_at"].get<std::string>().empty());
  EXPECT_EQ(manifest["packs"][0]["name"], "pci-dss-4.0");
  ASSERT_EQ(manifest["inputs"].size(), 1u);
  EXPECT_EQ(manifest["inputs"][0]["path"], kHba);
  // Every file of the bundle but the manifest and its signature, each report format among them.
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(bundle_)) files += entry.is_regular_file();
  EXPECT_EQ(manifest["files"].size(), files - 2);
  EXPECT_GE(files - 2, 4u);

  const auto verified = Verify();
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  EXPECT_NE(verified.out.find("CN=compliance runner"), std::string::npos) << verified.out;

  // Per PCI DSS requirement, the verdict and what it rests on: the file lets plaintext and md5
  // in, and privileged roles from anywhere (not satisfied); no session was seen for the
  // inventories of 4.2.1.1 and 12.3.3: not assessed by this run, never satisfied.
  const nlohmann::json requirements =
      nlohmann::json::parse(ReadFile(fs::path(bundle_) / "requirements.json"));
  EXPECT_EQ(requirements["framework"], "pci-dss-4.0.1");
  std::map<std::string, std::string> verdicts;
  std::vector<std::string> order;
  for (const nlohmann::json& requirement : requirements["requirements"]) {
    verdicts[requirement["id"].get<std::string>()] = requirement["verdict"].get<std::string>();
    order.push_back(requirement["id"].get<std::string>());
    if (requirement["verdict"] == "not_satisfied") {
      EXPECT_FALSE(requirement["findings"].empty()) << requirement["id"];
    }
  }
  EXPECT_EQ(verdicts["4.2.1"], "not_satisfied");
  EXPECT_EQ(verdicts["8.3.2"], "not_satisfied");
  EXPECT_EQ(verdicts["2.2.7"], "not_satisfied");
  EXPECT_EQ(verdicts["4.2.1.1"], "not_assessed");
  EXPECT_EQ(verdicts["12.3.3"], "not_assessed");
  // In the numbering's order: 4.2.1 before 4.2.1.1, and 12.3.3 last.
  EXPECT_LT(std::find(order.begin(), order.end(), "4.2.1"),
            std::find(order.begin(), order.end(), "4.2.1.1"));
  EXPECT_EQ(order.back(), "12.3.3");

  // OSCAL assessment results, valid against NIST's schema, whose back-matter names the bundle's
  // files by the hashes the manifest gives them.
  const auto oscal = RunCommand(
      {"/usr/bin/python3", std::string(PGWARD_SOURCE_DIR) + "/tests/reporters/oscal_validate.py",
       std::string(PGWARD_SOURCE_DIR) +
           "/fixtures/reports/oscal_assessment-results_schema-1.0.6.json",
       bundle_ + "/pgward.oscal.json"});
  EXPECT_EQ(oscal.exit_code, 0) << oscal.out << oscal.err;
  std::map<std::string, std::string> manifest_hashes;
  for (const nlohmann::json& file : manifest["files"]) {
    manifest_hashes[file["path"].get<std::string>()] = file["sha256"].get<std::string>();
  }
  const nlohmann::json results =
      nlohmann::json::parse(ReadFile(fs::path(bundle_) / "pgward.oscal.json"));
  std::size_t bundle_resources = 0;
  for (const nlohmann::json& resource : results["assessment-results"]["back-matter"]["resources"]) {
    if (!resource.contains("rlinks")) continue;
    const std::string href = resource["rlinks"][0]["href"].get<std::string>();
    const std::string sha256 = resource["rlinks"][0]["hashes"][0]["value"].get<std::string>();
    if (href == "file://" + kHba) {  // the input, by its absolute file URI
      EXPECT_EQ(sha256, manifest["inputs"][0]["sha256"]);
      continue;
    }
    ++bundle_resources;
    ASSERT_TRUE(manifest_hashes.contains(href)) << href;
    EXPECT_EQ(manifest_hashes[href], sha256) << href;
  }
  // Every file of the bundle but the OSCAL document itself (and the manifest and signature).
  EXPECT_EQ(bundle_resources, manifest["files"].size() - 1);

  // OpenSSL's own check of the detached signature.
  const auto openssl =
      RunCommand({"openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in",
                  bundle_ + "/manifest.json.p7s", "-content", bundle_ + "/manifest.json", "-CAfile",
                  Path("ca.pem"), "-out", "/dev/null"});
  EXPECT_EQ(openssl.exit_code, 0) << openssl.err;
}

// The bundle holds every fact collected, dated per server: an assessor who scans its snapshot
// again gets the same findings, dated by the collection, not by either evaluation.
TEST_F(EvidenceTest, TheBundlesSnapshotGivesTheSameFindingsDatedByTheirCollection) {
  const std::string snapshot =
      std::string(PGWARD_SOURCE_DIR) + "/fixtures/snapshots/two-servers.json";
  const auto scan = RunPgward({"scan", "--snapshot", snapshot, "--evidence-dir", bundle_,
                               "--format", "json", "--pack", "pci-dss-4.0"});
  ASSERT_NE(scan.exit_code, 2) << scan.err;
  const nlohmann::json bundled =
      nlohmann::json::parse(ReadFile(fs::path(bundle_) / "snapshot.json"));
  ASSERT_EQ(bundled["servers"].size(), 2u);
  // A server collected when the document says is dated by the document.
  EXPECT_EQ(bundled["collected_at"], "2026-02-03T04:05:06Z");
  for (const nlohmann::json& server : bundled["servers"]) {
    EXPECT_EQ(server.value("collected_at", bundled["collected_at"].get<std::string>()),
              "2026-02-03T04:05:06Z")
        << server["name"].dump();
  }
  const nlohmann::json manifest =
      nlohmann::json::parse(ReadFile(fs::path(bundle_) / "manifest.json"));
  std::set<std::string> files;
  for (const nlohmann::json& file : manifest["files"])
    files.insert(file["path"].get<std::string>());
  EXPECT_TRUE(files.contains("snapshot.json"));
  EXPECT_TRUE(files.contains("pgward.html"));

  const auto again = RunPgward({"scan", "--snapshot", bundle_ + "/snapshot.json", "--format",
                                "json", "--pack", "pci-dss-4.0"});
  ASSERT_EQ(again.exit_code, scan.exit_code) << again.err;
  const auto fingerprints = [](const nlohmann::json& report) {
    std::multiset<std::string> all;
    for (const nlohmann::json& finding : report["findings"]) {
      all.insert(finding["rule_id"].get<std::string>() + " " +
                 finding["fingerprint"].get<std::string>());
    }
    return all;
  };
  const nlohmann::json first = nlohmann::json::parse(scan.out);
  const nlohmann::json second = nlohmann::json::parse(again.out);
  EXPECT_FALSE(fingerprints(first).empty());
  EXPECT_EQ(fingerprints(first), fingerprints(second));
  EXPECT_EQ(first["servers"].dump(), second["servers"].dump());
  EXPECT_EQ(first["servers"][0]["collected_at"], "2026-02-03T04:05:06Z");
}

TEST_F(EvidenceTest, AnyChangeIsFoundAndNamed) {
  ASSERT_EQ(Scan({"--sign-key", Path("signer.key"), "--sign-cert", Path("signer.pem")}).exit_code,
            1);
  const fs::path bundle(bundle_);
  const std::string sarif = ReadFile(bundle / "pgward.sarif");
  const std::string signature = ReadFile(bundle / "manifest.json.p7s");
  const auto expect_failure = [&](const std::string& named) {
    const auto verified = Verify();
    EXPECT_EQ(verified.exit_code, 1) << verified.out;
    EXPECT_NE(verified.out.find(named), std::string::npos) << verified.out;
  };
  // One byte of a report.
  std::string changed = sarif;
  changed[changed.size() / 2] ^= 1;
  std::ofstream(bundle / "pgward.sarif", std::ios::binary) << changed;
  expect_failure("pgward.sarif: changed");
  std::ofstream(bundle / "pgward.sarif", std::ios::binary) << sarif;
  EXPECT_EQ(Verify().exit_code, 0);
  // One byte of any other file of the bundle: each report, the requirements, the inventory, the
  // OSCAL document.
  std::size_t tampered = 0;
  for (const auto& entry : fs::directory_iterator(bundle)) {
    const std::string name = entry.path().filename().string();
    if (name == "manifest.json" || name == "manifest.json.p7s" || name == "pgward.sarif") continue;
    const std::string original = ReadFile(entry.path());
    ASSERT_FALSE(original.empty()) << name;
    std::string flipped = original;
    flipped[flipped.size() / 2] ^= 1;
    std::ofstream(entry.path(), std::ios::binary) << flipped;
    expect_failure(name + ": changed");
    std::ofstream(entry.path(), std::ios::binary) << original;
    ++tampered;
  }
  EXPECT_GE(tampered, 10u);
  EXPECT_EQ(Verify().exit_code, 0);
  // A report removed, a file added.
  fs::rename(bundle / "pgward.junit.xml", directory_ / "junit.xml");
  expect_failure("pgward.junit.xml: missing");
  fs::rename(directory_ / "junit.xml", bundle / "pgward.junit.xml");
  std::ofstream(bundle / "extra.txt") << "planted\n";
  expect_failure("extra.txt: not in the manifest");
  fs::remove(bundle / "extra.txt");
  // The manifest edited to match a changed report: its signature no longer holds.
  std::string manifest = ReadFile(bundle / "manifest.json");
  manifest.replace(manifest.find("\"host\": \""), 9, "\"host\": \"x");
  std::ofstream(bundle / "manifest.json", std::ios::binary) << manifest;
  expect_failure("manifest.json.p7s");
  // The signature replaced by one another CA's key made: not the assessor's CA.
  ASSERT_EQ(RunCommand({"openssl", "cms", "-sign", "-binary", "-outform", "DER", "-in",
                        bundle_ + "/manifest.json", "-signer", Path("other.pem"), "-inkey",
                        Path("other.key"), "-out", bundle_ + "/manifest.json.p7s"})
                .exit_code,
            0);
  expect_failure("manifest.json.p7s");
  // The signature removed: with --ca-file, a bundle must be signed.
  fs::remove(bundle / "manifest.json.p7s");
  expect_failure("manifest.json.p7s: missing");
  static_cast<void>(signature);
}

TEST_F(EvidenceTest, AnUnsignedBundleVerifiesWithoutACa) {
  ASSERT_EQ(Scan().exit_code, 1);
  const auto verified = Verify(/*with_ca=*/false);
  EXPECT_EQ(verified.exit_code, 0) << verified.out;
  EXPECT_NE(verified.out.find("no signature was checked"), std::string::npos) << verified.out;
  // Neither --ca-file nor --unsigned: a verification that vouches for nothing is not run.
  EXPECT_EQ(RunPgward({"evidence", "verify", bundle_}).exit_code, 2);
  // Files outside the bundle are never read: not through a symlinked folder, nor a symlink.
  fs::create_directory_symlink("/etc", fs::path(bundle_) / "sub");
  fs::create_symlink("pgward.txt", fs::path(bundle_) / "alias.txt");
  const auto linked = Verify(/*with_ca=*/false);
  EXPECT_EQ(linked.exit_code, 1);
  EXPECT_NE(linked.out.find("sub: not a regular file"), std::string::npos) << linked.out;
  EXPECT_NE(linked.out.find("alias.txt: not a regular file"), std::string::npos) << linked.out;
  {
    nlohmann::json manifest = nlohmann::json::parse(ReadFile(fs::path(bundle_) / "manifest.json"));
    manifest["files"][0]["path"] = "sub/hostname";
    std::ofstream(fs::path(bundle_) / "manifest.json") << manifest.dump();
  }
  const auto through = Verify(/*with_ca=*/false);
  EXPECT_NE(through.out.find("sub/hostname: a symlink, not a file of the bundle"),
            std::string::npos)
      << through.out;
  fs::remove(fs::path(bundle_) / "sub");
  fs::remove(fs::path(bundle_) / "alias.txt");
  // A file listed twice (another spelling of its path is refused as outside the bundle), or the
  // manifest listed in itself: a verification would count it as another file vouched for.
  {
    nlohmann::json manifest = nlohmann::json::parse(ReadFile(fs::path(bundle_) / "manifest.json"));
    manifest["files"][0] = manifest["files"][1];
    std::ofstream(fs::path(bundle_) / "manifest.json") << manifest.dump();
    const auto duplicated = Verify(/*with_ca=*/false);
    EXPECT_EQ(duplicated.exit_code, 1);
    EXPECT_NE(duplicated.out.find(manifest["files"][1]["path"].get<std::string>() +
                                  ": listed more than once"),
              std::string::npos)
        << duplicated.out;
  }
  {
    nlohmann::json manifest = nlohmann::json::parse(ReadFile(fs::path(bundle_) / "manifest.json"));
    manifest["files"][0]["path"] = "manifest.json";
    std::ofstream(fs::path(bundle_) / "manifest.json") << manifest.dump();
    EXPECT_NE(Verify(/*with_ca=*/false).out.find("manifest.json: listed more than once"),
              std::string::npos);
  }
  // A manifest that names a file outside its bundle is refused, not followed.
  const fs::path manifest_path = fs::path(bundle_) / "manifest.json";
  nlohmann::json manifest = nlohmann::json::parse(ReadFile(manifest_path));
  manifest["files"][0]["path"] = "../../etc/passwd";
  std::ofstream(manifest_path) << manifest.dump();
  const auto outside = Verify(/*with_ca=*/false);
  EXPECT_EQ(outside.exit_code, 1);
  EXPECT_NE(outside.out.find("../../etc/passwd: a path outside the bundle"), std::string::npos)
      << outside.out;
  std::ofstream(manifest_path) << "{\"manifest_version\": \"9\"}";
  EXPECT_EQ(Verify(/*with_ca=*/false).exit_code, 2);
}

TEST_F(EvidenceTest, ABundleNeverMixesTwoRunsAndAKeyNeedsItsCertificate) {
  ASSERT_EQ(Scan().exit_code, 1);
  const auto again = Scan();
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("is not empty"), std::string::npos) << again.err;
  fs::remove_all(bundle_);
  const auto inside = Scan({"--json", bundle_ + "/extra.json"});
  EXPECT_EQ(inside.exit_code, 2);
  EXPECT_NE(inside.err.find("which its manifest does not list"), std::string::npos) << inside.err;
  const auto half = Scan({"--sign-key", Path("signer.key")});
  EXPECT_EQ(half.exit_code, 2);
  EXPECT_NE(half.err.find("--sign-key and --sign-cert go together"), std::string::npos) << half.err;
  const auto wrong = Scan({"--sign-key", Path("other.key"), "--sign-cert", Path("signer.pem")});
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.err.find("is not the key of"), std::string::npos) << wrong.err;
  // A certificate only for TLS servers cannot sign: its bundle would never verify.
  std::ofstream(Path("server.ext")) << "extendedKeyUsage=serverAuth\n";
  Openssl({"x509", "-req", "-in", Path("signer.csr"), "-CA", Path("ca.pem"), "-CAkey",
           Path("ca.key"), "-CAcreateserial", "-out", Path("server.pem"), "-days", "2", "-extfile",
           Path("server.ext")});
  const auto tls_only = Scan({"--sign-key", Path("signer.key"), "--sign-cert", Path("server.pem")});
  EXPECT_EQ(tls_only.exit_code, 2);
  EXPECT_NE(tls_only.err.find("is not for signing"), std::string::npos) << tls_only.err;
  // A FIFO given as the key is refused at once, never waited on.
  ASSERT_EQ(mkfifo(Path("key.fifo").c_str(), 0600), 0);
  const auto fifo = Scan({"--sign-key", Path("key.fifo"), "--sign-cert", Path("signer.pem")});
  EXPECT_EQ(fifo.exit_code, 2);
  EXPECT_NE(fifo.err.find("is a FIFO"), std::string::npos) << fifo.err;
  EXPECT_FALSE(fs::exists(bundle_));
}

}  // namespace
}  // namespace pgward
