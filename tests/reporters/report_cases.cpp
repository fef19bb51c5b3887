#include "tests/reporters/report_cases.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "tests/support/command.h"

namespace pgward::testing {
namespace {

const std::string kRoot = kFixtureSourceRoot;
const std::string kHba = kRoot + "/conf/pg_hba.conf";
const std::string kIncluded = kRoot + "/conf/include dir/extra #1.conf";
const std::string kSystemHba = "/etc/postgresql/15/main/pg_hba.conf";
const std::string kInventory = kRoot + "/inventory.yaml";
const std::string kDb1 = "db1.example.com:5432";
const std::string kDb2 = "db2.example.com:5432";

const std::map<std::string, std::vector<std::string>> kPlaintextCompliance = {
    {"cis-postgresql-16", {"6.8"}}, {"pci-dss-4.0.1", {"4.2.1", "8.3.2"}}};
const std::map<std::string, std::vector<std::string>> kTrustCompliance = {
    {"cis-postgresql-16", {"5.4"}}, {"pci-dss-4.0.1", {"8.3.1"}}};

std::vector<RuleInfo> Rules() {
  return {
      {"PGW-CONN-001",
       "Plaintext TCP connection",
       "A client session over TCP that is encrypted neither by TLS nor by GSSAPI.",
       Severity::kHigh,
       "connection",
       "Use hostssl lines for these clients and set sslmode=verify-full in the client.",
       kPlaintextCompliance,
       {"https://www.postgresql.org/docs/current/ssl-tcp.html"},
       "baseline"},
      {"PGW-CONN-002",
       "TLS version below the minimum",
       "A TLS session negotiated a protocol version below the allowed minimum.",
       Severity::kHigh,
       "connection",
       "Set ssl_min_protocol_version = 'TLSv1.2' and reload.",
       {{"pci-dss-4.0.1", {"4.2.1"}}},
       {},
       "baseline"},
      {"PGW-HBA-002",
       "trust on a TCP line",
       "A host line with the trust method.",
       Severity::kCritical,
       "hba_rule",
       "Use scram-sha-256 or cert.",
       kTrustCompliance,
       {},
       "baseline"},
      {"PGW-HBA-009",
       "trust on a local line",
       "A local line with the trust method.",
       Severity::kLow,
       "hba_rule",
       "Use peer or scram-sha-256.",
       {{"cis-postgresql-16", {"5.3"}}},
       {},
       "baseline",
       {Severity::kHigh}},  // a variant's: SARIF's security-severity and metrics' zeros follow it
      {"PGW-INFO-001", "TLS inventory", "", Severity::kInfo, "server", "", {}, {}, "inventory"},
      {"PGW-SRV-001",
       "Server accepts TLS 1.0",
       "The server's TLS endpoint accepts TLS 1.0.",
       Severity::kMedium,
       "server",
       "Set ssl_min_protocol_version = 'TLSv1.2'.",
       {{"pci-dss-4.0.1", {"2.2.5", "4.2.1"}}},
       {},
       "baseline"},
  };
}

// As rules/catalog.yaml declares them. The hostile report declares none: an undeclared framework
// keeps its id only.
std::vector<FrameworkInfo> Frameworks() {
  return {{"cis-postgresql-16", "CIS PostgreSQL 16 Benchmark", "", "Center for Internet Security"},
          {"pci-dss-4.0.1", "PCI DSS v4.0.1", "4.0.1", "PCI Security Standards Council"}};
}

Finding MakeFinding(const std::string& rule_id, Severity severity, FindingStatus status,
                    const std::string& message, const std::string& target,
                    std::optional<SourceLocation> location = std::nullopt) {
  Finding finding;
  finding.rule_id = rule_id;
  finding.severity = severity;
  finding.status = status;
  finding.message = message;
  finding.target = target;
  finding.location = std::move(location);
  return finding;
}

// A folded connection finding's subject: one session of `user` from 10.0.0.7 in plaintext.
FindingSubject ConnectionSubject(const std::string& user, const std::string& application) {
  auto facts = std::make_shared<FactSet>();
  FactTable& table = facts->table(FactKind::kConnection);
  const size_t row = table.AppendRow();
  table.SetString(row, FieldOf<FactKind::kConnection>("server"), kDb1);
  table.SetInteger(row, FieldOf<FactKind::kConnection>("pid"), 101);
  table.SetString(row, FieldOf<FactKind::kConnection>("user"), user);
  table.SetString(row, FieldOf<FactKind::kConnection>("application_name"), application);
  table.SetAddress(row, FieldOf<FactKind::kConnection>("client_addr"), *ParseIpAddress("10.0.0.7"));
  table.SetBool(row, FieldOf<FactKind::kConnection>("ssl"), false);
  return FindingSubject{facts, FactKind::kConnection, row, /*omit_volatile=*/true};
}

}  // namespace

ScanReport RichReport() {
  ScanReport report;
  report.invocation.arguments = {"pgward",      "scan",
                                 "--inventory", "inventory.yaml",
                                 "--hba",       "conf/pg_hba.conf",
                                 "--target",    "postgresql://app:*****@db1.example.com/postgres"};
  report.invocation.started_at = "2026-03-01T10:00:00Z";
  report.invocation.finished_at = "2026-03-01T10:00:02Z";
  report.invocation.user = "compliance";
  report.invocation.host = "scanner-01";
  report.invocation.exit_code = 3;
  report.targets = {kSystemHba, kHba, kDb1, kDb2};
  // db1 from a snapshot collected the day before the run; db2 was not reached.
  report.servers = {{kDb1, "db1.example.com", 5432, 150018, "2026-02-28T23:59:30Z"},
                    {kDb2, std::nullopt, std::nullopt, std::nullopt, "2026-02-28T23:59:31Z"}};
  report.rules = Rules();
  report.frameworks = Frameworks();

  Finding plaintext =
      MakeFinding("PGW-CONN-001", Severity::kHigh, FindingStatus::kFail,
                  "plaintext TCP connection from 10.0.0.7 as app_user (psql)", kDb1);
  plaintext.subject = ConnectionSubject("app_user", "psql");
  plaintext.fingerprint = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
  plaintext.count = 3;
  plaintext.sample_pids = {101, 102, 103};

  Finding waived = MakeFinding("PGW-CONN-002", Severity::kHigh, FindingStatus::kWaived,
                               "TLSv1.1 session from 10.0.0.9 as report_user (legacy-bi)", kDb1);
  waived.subject = ConnectionSubject("report_user", "legacy-bi");
  waived.fingerprint = "1b2c3d4e5f60718293a4b5c6d7e8f90a";
  waived.waiver = std::make_shared<const WaiverNote>(
      WaiverNote{"legacy BI client, replacement planned in Q3", "dba-team", "2026-12-31",
                 kRoot + "/waivers.yaml:4"});

  Finding undecided = MakeFinding(
      "PGW-CONN-002", Severity::kHigh, FindingStatus::kError,
      "cannot evaluate PGW-CONN-002: evidence missing (ssl_version not collected)", kDb2);
  undecided.fingerprint = "2c3d4e5f60718293a4b5c6d7e8f90a1b";

  Finding outside = MakeFinding("PGW-HBA-002", Severity::kCritical, FindingStatus::kFail,
                                "host line for all on all from 10.9.0.0/16 trusts every client",
                                kSystemHba, SourceLocation{kSystemHba, 12});
  outside.fingerprint = "3d4e5f60718293a4b5c6d7e8f90a1b2c";

  Finding included =
      MakeFinding("PGW-HBA-002", Severity::kCritical, FindingStatus::kFail,
                  "host line for analyst on reports from 192.168.5.0/24 trusts every client", kHba,
                  SourceLocation{kIncluded, 2});
  included.fingerprint = "4e5f60718293a4b5c6d7e8f90a1b2c3d";

  Finding expired = MakeFinding("PGW-HBA-009", Severity::kLow, FindingStatus::kFail,
                                "local line for all on all trusts every local user", kHba,
                                SourceLocation{kHba, 2});
  expired.fingerprint = "5f60718293a4b5c6d7e8f90a1b2c3d4e";
  expired.waiver = std::make_shared<const WaiverNote>(
      WaiverNote{"sandbox only", "platform", "2026-01-31", kRoot + "/waivers.yaml:9"});
  expired.note = "waiver expired on 2026-01-31";

  Finding endpoint =
      MakeFinding("PGW-SRV-001", Severity::kMedium, FindingStatus::kFail,
                  "the TLS endpoint accepts TLSv1", kDb1, SourceLocation{kInventory, 3});
  endpoint.fingerprint = "60718293a4b5c6d7e8f90a1b2c3d4e5f";

  report.findings = {plaintext, waived, undecided, outside, included, expired, endpoint};
  report.checks = {
      {"PGW-CONN-001", kDb1, 12, 3, 0}, {"PGW-CONN-002", kDb1, 12, 1, 0},
      {"PGW-CONN-002", kDb2, 4, 0, 4},  {"PGW-HBA-002", kSystemHba, 9, 1, 0},
      {"PGW-HBA-002", kHba, 8, 1, 0},   {"PGW-HBA-009", kSystemHba, 9, 0, 0},
      {"PGW-HBA-009", kHba, 8, 1, 0},   {"PGW-INFO-001", kDb1, 1, 0, 0},
      {"PGW-SRV-001", kDb1, 1, 1, 0},
  };
  report.errors = {
      {kDb2, "cannot read pg_stat_ssl: permission denied for role monitor (password=*****)",
       SourceLocation{kInventory, 9}},
  };
  report.artifacts = {
      {kSystemHba, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
      {kIncluded, "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"},
      {kHba, "fd61a03af4f77d870fc21e05e7e80678095c92d808cfb3b5c279ee04c74aca13"},
      {kInventory, "a665a45920422f9d417e4867efdc4fb8a04a1f3fff1fa07e998e86f7f7a27ae3"},
  };
  // What the metrics show beside the findings; a subject with a quote and a backslash.
  report.observations.sessions = {
      {kDb1, "plaintext", "none", 3}, {kDb1, "tls", "TLSv1.2", 1}, {kDb1, "tls", "TLSv1.3", 12}};
  report.observations.certificates = {
      {kDb1, "CN=db1.example.com,O=Ex\\ample \"Ltd\"", "4F2A", 1767225600}};
  report.observations.probe_protocols = {{kDb1, "TLSv1.2", true}, {kDb1, "TLSv1.3", true}};
  report.observations.hba = {{kHba, true}, {kSystemHba, false}};
  report.invocation.duration_seconds = 1.25;
  InventoryServer inventory_server;
  inventory_server.server = kDb1;
  inventory_server.endpoint = "db1.example.com:5432";
  inventory_server.ssl = "on";
  inventory_server.ssl_min_protocol_version = "TLSv1.2";
  inventory_server.ssl_ciphers = "HIGH:!aNULL";
  inventory_server.ssl_groups = std::vector<std::string>{"X25519", "prime256v1"};
  inventory_server.protocols = {{"TLSv1.2", true, true}, {"TLSv1.3", true, true}};
  inventory_server.suites = {{"TLSv1.3", "TLS_AES_256_GCM_SHA384", 256, true, 12}};
  report.inventory.servers = {inventory_server};
  InventoryCertificate certificate;
  certificate.server = kDb1;
  certificate.endpoint = "db1.example.com:5432";
  certificate.role = "server";
  certificate.depth = 0;
  certificate.subject = "CN=db1.example.com,O=Ex\\ample \"Ltd\"";
  certificate.issuer = "CN=Example Root CA";
  certificate.serial = "4F2A";
  certificate.not_before = "2025-01-01T00:00:00Z";
  certificate.not_after = "2026-01-01T00:00:00Z";
  certificate.key_type = "RSA";
  certificate.key_bits = 2048;
  certificate.signature_algorithm = "sha256WithRSAEncryption";
  certificate.trust = "verified";
  report.inventory.certificates = {certificate};
  return report;
}

ScanReport HostileReport() {
  ScanReport report;
  const std::string server = "db\x02\x1b[2J.example.com:5432";
  const std::string role = "bad\x01role\x1b[31m<&\"'>";
  const std::string application =
      "app\xff\xfe\xc3(\xed\xa0\x80]]>\r\n\ttail caf\xc3\xa9 \xf0\x9f\x98\x80";
  report.invocation.arguments = {"pgward", "scan", "--target", "postgresql://" + role + "@db"};
  report.invocation.user = " " + role + "\n";
  report.invocation.host = application;
  report.invocation.exit_code = 3;
  report.targets = {server};
  report.servers = {{server, role, 5432, 150018, "2026-03-01T10:00:00Z"}};
  report.rules = {Rules()[0]};
  Finding finding =
      MakeFinding("PGW-CONN-001", Severity::kHigh, FindingStatus::kFail,
                  "plaintext TCP connection as " + role + " (" + application + ")", server);
  finding.subject = ConnectionSubject(role, application);
  finding.fingerprint = "718293a4b5c6d7e8f90a1b2c3d4e5f60";
  Finding waived = finding;
  waived.status = FindingStatus::kWaived;
  waived.fingerprint = "8293a4b5c6d7e8f90a1b2c3d4e5f6071";
  waived.waiver = std::make_shared<const WaiverNote>(
      WaiverNote{"accepted ]]> because \x07" + application, role, "2026-12-31", "waivers.yaml:1"});
  report.findings = {finding, waived};
  report.checks = {{"PGW-CONN-001", server, 2, 2, 0}};
  report.errors = {{server, "cannot read \xc0\xaf" + application, std::nullopt}};
  return report;
}

std::string Extension(const std::string& format) {
  if (format == "junit") return "junit.xml";
  if (format == "text") return "txt";
  if (format == "github") return "github.txt";
  if (format == "gitlab") return "gitlab.json";
  if (format == "metrics") return "prom";
  if (format == "oscal") return "oscal.json";
  return format;  // json, sarif, html
}

const std::vector<ReportCase>& SuiteReports() {
  static const std::vector<ReportCase> cases = [] {
    std::vector<ReportCase> all;
    reporters::RenderOptions options;
    options.source_root = kFixtureSourceRoot;
    const ScanReport rich = RichReport();
    const ScanReport hostile = HostileReport();
    for (const std::string_view format : reporters::ReportFormats()) {
      const std::string name(format);
      all.push_back({"rich", name, reporters::RenderReport(format, rich, options)});
      // The text report keeps names' bytes (it only masks control characters).
      if (format != "text") {
        all.push_back({"hostile", name, reporters::RenderReport(format, hostile, options)});
      }
    }
    options.sarif_omit_suppressed = true;
    all.push_back(
        {"rich_omit_suppressed", "sarif", reporters::RenderReport("sarif", rich, options)});
    // The binary on the scan fixtures, run from the source directory with relative paths and
    // argv[0] "pgward", so that the report's arguments and paths are the same on every machine.
    const std::string source_dir = PGWARD_SOURCE_DIR;
    // `mixed` is one run with every outcome: passes, failures, a waiver, an expired one, missing
    // evidence and failed collections (a snapshot with its servers' errors, and a file).
    const std::vector<std::pair<std::string, std::vector<std::string>>> runs = {
        {"insecure_pg_hba", {"--hba", "fixtures/scan/insecure_pg_hba.conf"}},
        {"secure_pg_hba", {"--hba", "fixtures/scan/secure_pg_hba.conf"}},
        {"mixed",
         {"--snapshot", "fixtures/snapshots/two-servers.json", "--hba",
          "fixtures/scan/insecure_pg_hba.conf", "--waivers", "fixtures/scan/waivers.yaml"}},
        // Against a report of the insecure file (fixtures/scan/baseline.json): the secure file
        // has no finding, and every finding of the insecure one is absent.
        {"baseline",
         {"--hba", "fixtures/scan/secure_pg_hba.conf", "--baseline",
          "fixtures/scan/baseline.json"}},
    };
    for (const auto& [name, inputs] : runs) {
      for (const std::string_view format : reporters::ReportFormats()) {
        std::vector<std::string> command = {
            "/bin/bash", "-c",          "cd \"$0\" && exec -a pgward \"$1\" \"${@:2}\"",
            source_dir,  PGWARD_BINARY, "scan"};
        command.insert(command.end(), inputs.begin(), inputs.end());
        command.insert(command.end(), {"--format", std::string(format), "--reproducible"});
        const CommandResult result = RunCommand(command);
        EXPECT_TRUE(result.exit_code == 0 || result.exit_code == 1 || result.exit_code == 3)
            << name << " " << format << ": " << result.err;
        all.push_back({name, std::string(format), result.out});
      }
    }
    return all;
  }();
  return cases;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

TempDir::TempDir() {
  char pattern[] = "/tmp/pgward-reports-XXXXXX";
  if (mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() { std::filesystem::remove_all(path_); }

std::string SarifMultitool() {
  return std::string(PGWARD_SOURCE_DIR) +
         "/.tools/sarif-multitool/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool";
}

bool RequireTool(const std::string& path) {
  if (access(path.c_str(), X_OK) == 0) return true;
  ADD_FAILURE() << "validator missing: " << path << "; run scripts/install-deps (make test does)";
  return false;
}

std::vector<std::string> WriteSuiteReports(const std::string& format, const std::string& extension,
                                           const std::string& directory) {
  std::vector<std::string> files;
  for (const ReportCase& report : SuiteReports()) {
    if (report.format != format) continue;
    files.push_back(directory + "/" + report.name + "." + extension);
    WriteFile(files.back(), report.text);
  }
  return files;
}

CommandResult ValidateAgainstSchema(const std::string& schema,
                                    const std::vector<std::string>& files) {
  constexpr char kValidator[] = R"(
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1], encoding="utf-8"))
validator_class = jsonschema.validators.validator_for(schema)
validator_class.check_schema(schema)
validator = validator_class(schema)
errors = 0
for path in sys.argv[2:]:
    with open(path, encoding="utf-8") as report:
        for error in validator.iter_errors(json.load(report)):
            errors += 1
            print(path, "/".join(map(str, error.absolute_path)), error.message[:300])
print(len(sys.argv) - 2, "validated,", errors, "errors")
sys.exit(1 if errors else 0)
)";
  std::vector<std::string> argv{kDebianPython, "-c", kValidator, schema};
  argv.insert(argv.end(), files.begin(), files.end());
  return RunCommand(argv);
}

}  // namespace pgward::testing
