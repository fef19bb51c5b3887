// Hostile input (docs/security.md): the real binary against inputs an attacker controls, as in
// a pre-merge check where the pull request's author writes the hba file and everything it names.
// Each case asserts the exit code and the message, and, where a file outside the reviewed tree
// is involved, that its planted marker appears in no output: stdout, stderr or any report.
// Every run has a 60 s watchdog (SIGALRM, exit 142): a hang fails its case.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/command.h"

namespace pgward::testing {
namespace {

namespace fs = std::filesystem;

constexpr unsigned kWatchdogSeconds = 60;
constexpr int kFindings = 1;
constexpr int kInputError = 2;
constexpr int kIncompleteEvidence = 3;

// What a runner holds that must never reach a report: planted outside the reviewed tree.
constexpr const char* kMarker = "PGWARD-PLANTED-SECRET-7f3a";

class HostileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "pgward-hostile-XXXXXX").string();
    root_ = mkdtemp(pattern.data());
    // The runner's secrets, outside the checkout: a key-like file, and a directory of them.
    Write("runner/.ssh/id_ed25519", std::string("-----BEGIN OPENSSH PRIVATE KEY-----\n") + kMarker +
                                        "\n-----END OPENSSH PRIVATE KEY-----\n");
    Write("runner/conf.d/a.conf", std::string("host all ") + kMarker + " 0.0.0.0/0 trust\n");
    Write("runner/users", std::string(kMarker) + "\n");
    fs::create_directories(Path("checkout/db"));
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }

  std::string Path(const std::string& relative) const { return root_ + "/" + relative; }
  std::string Write(const std::string& relative, const std::string& contents) const {
    const fs::path file = Path(relative);
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << contents;
    return file.string();
  }
  static std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream contents;
    contents << in.rdbuf();
    return contents.str();
  }

  // pgward in the checkout, as CI runs it, with every report written to out/.
  CommandResult Pgward(std::vector<std::string> arguments, const std::string& cwd = "") const {
    CommandOptions options;
    options.cwd = cwd.empty() ? Path("checkout") : cwd;
    options.timeout_seconds = kWatchdogSeconds;
    return RunPgward(arguments, options);
  }
  CommandResult ScanAllFormats(const std::string& hba, std::vector<std::string> extra = {}) const {
    std::vector<std::string> arguments{
        "scan",      "--hba",        hba, "--format", "text,json,sarif,junit", "--output-dir",
        Path("out"), "--pg-version", "16"};
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    return Pgward(arguments);
  }
  // The marker in no output of the run: streams and the four reports.
  void ExpectNoMarker(const CommandResult& result) const {
    EXPECT_EQ(result.out.find(kMarker), std::string::npos) << result.out;
    EXPECT_EQ(result.err.find(kMarker), std::string::npos) << result.err;
    for (const char* report : {"pgward.txt", "pgward.json", "pgward.sarif", "pgward.junit.xml"}) {
      const std::string path = Path(std::string("out/") + report);
      if (!fs::exists(path)) continue;
      EXPECT_EQ(Read(path).find(kMarker), std::string::npos) << report;
    }
  }
  void ExpectReportsParse() const {
    for (const char* report : {"pgward.json", "pgward.sarif"}) {
      const nlohmann::json parsed =
          nlohmann::json::parse(Read(Path(std::string("out/") + report)), nullptr, false);
      EXPECT_FALSE(parsed.is_discarded()) << report;
    }
    const CommandResult lint = RunCommand({"xmllint", "--noout", Path("out/pgward.junit.xml")});
    EXPECT_EQ(lint.exit_code, 0) << lint.err;
  }

  std::string root_;
};

TEST_F(HostileTest, InvalidUtf8IsCarriedAsReplacementCharacters) {
  Write("checkout/db/pg_hba.conf", "host all caf\xe9 10.0.0.0/8 md5\n");
  const CommandResult result = ScanAllFormats("db/pg_hba.conf");
  EXPECT_EQ(result.exit_code, kFindings) << result.err;
  ExpectReportsParse();
  EXPECT_NE(Read(Path("out/pgward.json")).find("caf\xEF\xBF\xBD"), std::string::npos);
  EXPECT_NE(Read(Path("out/pgward.junit.xml")).find("caf\xEF\xBF\xBD"), std::string::npos);
}

TEST_F(HostileTest, ARandomBinaryFileIsReadWithoutACrash) {
  std::string bytes;
  std::uint32_t state = 12345;
  for (int i = 0; i < 20000; ++i) {
    state = state * 1103515245u + 12345u;
    bytes += static_cast<char>(state >> 24);
  }
  Write("checkout/db/pg_hba.conf", bytes);
  const CommandResult result = ScanAllFormats("db/pg_hba.conf");
  EXPECT_TRUE(result.exit_code == kFindings || result.exit_code == kIncompleteEvidence)
      << result.exit_code << result.err;
  ExpectReportsParse();
  // Control characters never reach the terminal-facing text.
  EXPECT_EQ(Read(Path("out/pgward.txt")).find('\x1b'), std::string::npos);
}

TEST_F(HostileTest, ADirectoryWhereAFileIsExpectedIsAnInputError) {
  Write("checkout/db/pg_hba.conf", "local all all peer\n");
  const std::string directory = Path("checkout/db");
  const std::vector<std::vector<std::string>> commands = {
      {"scan", "--inventory", directory},
      {"scan", "--hba", "db/pg_hba.conf", "--waivers", directory},
      {"scan", "--hba", "db/pg_hba.conf", "--values", directory},
      {"scan", "--hba", "db/pg_hba.conf", "--policy", directory},
      {"scan", "--snapshot", directory},
      {"scan", "--hba", directory},
      {"collect", "--inventory", directory, "-o", Path("s.json")},
  };
  for (const std::vector<std::string>& command : commands) {
    const CommandResult result = Pgward(command);
    EXPECT_EQ(result.exit_code, kInputError) << command[1] << ": " << result.err;
    EXPECT_NE(result.err.find("a directory"), std::string::npos)
        << command[1] << ": " << result.err;
  }
}

TEST_F(HostileTest, IncludeDirOfARelativeTopFileResolvesOnce) {
  Write("checkout/db/pg_hba.conf", "include_dir conf.d/more\n");
  Write("checkout/db/conf.d/more/a.conf", "host all all 0.0.0.0/0 trust\n");
  const CommandResult result = ScanAllFormats("db/pg_hba.conf");
  EXPECT_EQ(result.exit_code, kFindings) << result.err;
  const std::string text = Read(Path("out/pgward.txt"));
  EXPECT_EQ(text.find("could not open"), std::string::npos) << text;
  EXPECT_NE(text.find("PGW-HBA-002  db/conf.d/more/a.conf:1"), std::string::npos) << text;
}

// Every way an hba file can name a file: none outside the checkout's db/ is read.
TEST_F(HostileTest, FilesOutsideTheIncludeRootAreRefusedAndNeverEchoed) {
  fs::create_symlink(Path("runner/.ssh/id_ed25519"), Path("checkout/db/linked.conf"));
  fs::create_symlink(Path("runner/conf.d"), Path("checkout/db/linked.d"));
  const std::string key = Path("runner/.ssh/id_ed25519");
  const std::vector<std::string> lines = {
      "include " + key,
      "include_if_exists " + key,
      "include ../../runner/.ssh/id_ed25519",
      "include_dir " + Path("runner/conf.d"),
      "include linked.conf",
      "include_dir linked.d",
      "host all @" + Path("runner/users") + " 10.0.0.0/8 scram-sha-256",
      "host all @../../runner/users 10.0.0.0/8 scram-sha-256",
  };
  for (const std::string& line : lines) {
    fs::remove_all(Path("out"));
    Write("checkout/db/pg_hba.conf", "local all all peer\n" + line + "\n");
    const CommandResult result = ScanAllFormats("db/pg_hba.conf");
    EXPECT_EQ(result.exit_code, kIncompleteEvidence) << line << "\n" << result.err;
    EXPECT_NE(result.err.find("outside the include root"), std::string::npos) << line;
    ExpectNoMarker(result);

    const CommandResult rules = Pgward({"hba", "rules", "--pg-version", "16", "db/pg_hba.conf"});
    EXPECT_EQ(rules.exit_code, kIncompleteEvidence) << line;
    EXPECT_NE(rules.out.find("refused to read"), std::string::npos) << line << rules.out;
    EXPECT_EQ(rules.out.find(kMarker), std::string::npos) << line;
    EXPECT_EQ(rules.err.find(kMarker), std::string::npos) << line;
  }
}

// An inventory is untrusted like the files it names: its hba_file and ident_file lie under its
// directory (or --include-root), whether named as absolute paths or with "..", even when the
// server itself cannot be reached.
TEST_F(HostileTest, AnInventoryNamesNoFileOutsideItsDirectory) {
  Write("checkout/fleet/hba/db1.conf", "hostssl all all 10.0.0.0/8 md5\n");
  const std::string key = Path("runner/.ssh/id_ed25519");
  const auto scan_inventory = [&](const std::string& files, std::vector<std::string> extra = {}) {
    fs::remove_all(Path("out"));
    Write(
        "checkout/fleet/inventory.yaml",
        "targets:\n  - name: db1\n    dsn: \"host=127.0.0.1 port=1 connect_timeout=1\"\n" + files);
    std::vector<std::string> arguments{"scan",
                                       "--inventory",
                                       "fleet/inventory.yaml",
                                       "--format",
                                       "text,json,sarif,junit",
                                       "--output-dir",
                                       Path("out"),
                                       "--retries",
                                       "0"};
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    return Pgward(arguments);
  };
  for (const std::string& files :
       {"    hba_file: " + key + "\n", std::string("    hba_file: ../../runner/.ssh/id_ed25519\n"),
        "    hba_file: hba/db1.conf\n    ident_file: " + key + "\n",
        std::string("    hba_file: hba/db1.conf\n"
                    "    ident_file: ../../runner/users\n"),
        "    server_logs: [" + key + "]\n"}) {
    const CommandResult result = scan_inventory(files);
    EXPECT_EQ(result.exit_code, kIncompleteEvidence) << files << result.err;
    EXPECT_NE(result.err.find("outside the include root"), std::string::npos)
        << files << result.err;
    ExpectNoMarker(result);
  }
  // Inside its directory, the copy is read; --include-root / reads what the inventory names.
  const CommandResult inside = scan_inventory("    hba_file: hba/db1.conf\n");
  EXPECT_EQ(inside.err.find("outside the include root"), std::string::npos) << inside.err;
  EXPECT_NE(Read(Path("out/pgward.txt")).find("db1.conf:1"), std::string::npos);
  const CommandResult widened = scan_inventory(
      "    hba_file: " + Path("runner/conf.d/a.conf") + "\n", {"--include-root", "/"});
  EXPECT_EQ(widened.err.find("outside the include root"), std::string::npos) << widened.err;
  EXPECT_NE(Read(Path("out/pgward.txt")).find("a.conf:1"), std::string::npos);
}

TEST_F(HostileTest, ASymlinkedTopFileIsRefusedToo) {
  fs::create_symlink(Path("runner/.ssh/id_ed25519"), Path("checkout/db/pg_hba.conf"));
  const CommandResult result = ScanAllFormats("db/pg_hba.conf");
  EXPECT_EQ(result.exit_code, kIncompleteEvidence) << result.err;
  EXPECT_NE(result.err.find("outside the include root"), std::string::npos) << result.err;
  ExpectNoMarker(result);
}

// A checkout reached through a symlinked directory (a workspace linked into place) is read, and
// still confines: the root as written and where it leads are both checked.
TEST_F(HostileTest, ACheckoutReachedThroughASymlinkIsReadAndStillConfines) {
  Write("checkout/db/pg_hba.conf", "include_dir conf.d\n");
  Write("checkout/db/conf.d/a.conf", "host all all 0.0.0.0/0 trust\n");
  fs::create_directory_symlink(Path("checkout/db"), Path("linked-db"));
  const CommandResult result = Pgward({"scan", "--hba", Path("linked-db/pg_hba.conf")});
  EXPECT_EQ(result.exit_code, kFindings) << result.out << result.err;
  EXPECT_NE(result.out.find("PGW-HBA-002  " + Path("linked-db/conf.d/a.conf") + ":1"),
            std::string::npos)
      << result.out;
  Write("checkout/db/pg_hba.conf", "include ../runner/.ssh/id_ed25519\n");
  const CommandResult escape = Pgward({"scan", "--hba", Path("linked-db/pg_hba.conf")});
  EXPECT_EQ(escape.exit_code, kIncompleteEvidence) << escape.err;
  EXPECT_NE(escape.err.find("outside the include root"), std::string::npos) << escape.err;
  ExpectNoMarker(escape);
}

TEST_F(HostileTest, TheIncludeRootAndPathMapsWidenWhatIsRead) {
  Write("checkout/db/conf.d/extra.conf", "host all all 0.0.0.0/0 trust\n");
  Write("checkout/db/pg_hba.conf", "include /etc/postgresql/16/main/conf.d/extra.conf\n");
  const CommandResult unmapped = ScanAllFormats("db/pg_hba.conf");
  EXPECT_EQ(unmapped.exit_code, kIncompleteEvidence) << unmapped.err;
  const CommandResult mapped =
      ScanAllFormats("db/pg_hba.conf", {"--path-map", "/etc/postgresql/16/main=db"});
  EXPECT_EQ(mapped.exit_code, kFindings) << mapped.err;
  EXPECT_NE(Read(Path("out/pgward.txt")).find("PGW-HBA-002  db/conf.d/extra.conf:1"),
            std::string::npos);

  // --include-root / reads what the server would read.
  Write("checkout/db/pg_hba.conf", "include " + Path("runner/conf.d/a.conf") + "\n");
  const CommandResult server_view = ScanAllFormats("db/pg_hba.conf", {"--include-root", "/"});
  EXPECT_EQ(server_view.exit_code, kFindings) << server_view.err;
  EXPECT_NE(Read(Path("out/pgward.txt")).find("PGW-HBA-002"), std::string::npos);
}

TEST_F(HostileTest, DevicesAndFifosAreInputErrorsNotHangs) {
  Write("checkout/db/pg_hba.conf", "include /dev/zero\n");
  const CommandResult included = ScanAllFormats("db/pg_hba.conf", {"--include-root", "/"});
  EXPECT_EQ(included.exit_code, kInputError);
  EXPECT_NE(included.err.find("db/pg_hba.conf: line 1: \"/dev/zero\" is a character device, not a "
                              "regular file"),
            std::string::npos)
      << included.err;

  const CommandResult top = Pgward({"scan", "--hba", "/dev/zero"});
  EXPECT_EQ(top.exit_code, kInputError);
  EXPECT_NE(top.err.find("is a character device"), std::string::npos) << top.err;

  ASSERT_EQ(mkfifo(Path("checkout/db/fifo.conf").c_str(), 0600), 0);
  for (const std::vector<std::string>& command :
       std::vector<std::vector<std::string>>{{"scan", "--hba", "db/fifo.conf"},
                                             {"scan", "--snapshot", "db/fifo.conf"},
                                             {"scan", "--inventory", "db/fifo.conf"},
                                             {"hba", "rules", "db/fifo.conf"}}) {
    const CommandResult fifo = Pgward(command);
    EXPECT_EQ(fifo.exit_code, kInputError) << command[1] << fifo.err;
    EXPECT_NE(fifo.err.find("FIFO"), std::string::npos) << command[1] << fifo.err;
  }
  // Among the files of an include_dir, named at the line that lists the directory, in the file
  // it is in.
  Write("checkout/db/conf.d/a.conf", "host all all ::1/128 scram-sha-256\n");
  ASSERT_EQ(mkfifo(Path("checkout/db/conf.d/b.conf").c_str(), 0600), 0);
  Write("checkout/db/inner.conf", "\ninclude_dir conf.d\n");
  Write("checkout/db/pg_hba.conf", "local all all peer\ninclude inner.conf\n");
  const CommandResult listed = Pgward({"scan", "--hba", "db/pg_hba.conf"});
  EXPECT_EQ(listed.exit_code, kInputError);
  EXPECT_NE(listed.err.find("db/pg_hba.conf: db/inner.conf:2: \"db/conf.d/b.conf\" is a FIFO, not "
                            "a regular file"),
            std::string::npos)
      << listed.err;
  // The top file's line is named by its number after the name the user gave, also when another
  // path is read (--path-map).
  Write("checkout/db/direct.conf", "local all all peer\ninclude_dir conf.d\n");
  const CommandResult mapped =
      Pgward({"scan", "--hba", "/etc/postgresql/16/main/direct.conf", "--path-map",
              "/etc/postgresql/16/main=" + Path("checkout/db")});
  EXPECT_EQ(mapped.exit_code, kInputError);
  EXPECT_NE(mapped.err.find("pgward: /etc/postgresql/16/main/direct.conf: line 2: "),
            std::string::npos)
      << mapped.err;
  // A limit the top file's own bytes pass is not put on the line being read when they did.
  std::string big;
  for (int i = 0; i < 4000; ++i) {
    big += "host all all 10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250) +
           "/32 scram-sha-256 # padding\n";
  }
  Write("checkout/db/big.conf", big);
  const CommandResult bytes =
      Pgward({"scan", "--hba", "db/big.conf", "--max-total-bytes", "100000"});
  EXPECT_EQ(bytes.exit_code, kInputError);
  EXPECT_NE(bytes.err.find("pgward: db/big.conf: the files read add up to more than 100000 bytes"),
            std::string::npos)
      << bytes.err;
}

TEST_F(HostileTest, IncludeLoopsEndInBoundedTime) {
  // Three files each listing their own directory: the rows PostgreSQL 16 shows (3^10 records
  // that hit the nesting depth), quickly.
  for (const char* name : {"a.conf", "b.conf", "c.conf"}) {
    Write(std::string("checkout/db/") + name, "include_dir .\n");
  }
  const CommandResult rules =
      Pgward({"hba", "rules", "--pg-version", "16", "--format", "json", "db/a.conf"});
  EXPECT_EQ(rules.exit_code, 0) << rules.err;
  const nlohmann::json rows = nlohmann::json::parse(rules.out);
  EXPECT_EQ(rows.size(), 59049u);
  EXPECT_NE(rows[0]["error"].get<std::string>().find("maximum nesting depth exceeded"),
            std::string::npos);

  // Three of ten lines each: 944,771 rows from a kilobyte, which analysed and reported took 4 GB;
  // past the row limit instead.
  for (const char* name : {"a.conf", "b.conf", "c.conf"}) {
    std::string text = "include_dir .\n";
    for (int i = 0; i < 10; ++i)
      text += "hostssl all all 10." + std::to_string(i) + ".0.0/16 md5\n";
    Write(std::string("checkout/db/") + name, text);
  }
  const CommandResult amplified = Pgward({"scan", "--hba", "db/a.conf", "--pg-version", "16"});
  EXPECT_EQ(amplified.exit_code, kInputError) << amplified.err;
  EXPECT_NE(amplified.err.find("more than 200000 rows; the limit is --max-records"),
            std::string::npos)
      << amplified.err;
  for (const char* name : {"a.conf", "b.conf", "c.conf"}) {
    Write(std::string("checkout/db/") + name, "include_dir .\n");
  }

  // Six: 6^10 records, past the file read limit long before.
  for (const char* name : {"d.conf", "e.conf", "f.conf"}) {
    Write(std::string("checkout/db/") + name, "include_dir .\n");
  }
  const CommandResult six = Pgward({"scan", "--hba", "db/a.conf", "--pg-version", "16"});
  EXPECT_EQ(six.exit_code, kInputError);
  EXPECT_NE(six.err.find("the limit is --max-files"), std::string::npos) << six.err;
}

TEST_F(HostileTest, LimitsAreClearErrors) {
  std::string big;
  while (big.size() < (17u << 20)) big += "host all all 10.0.0.0/8 scram-sha-256\n";
  Write("checkout/db/pg_hba.conf", big);
  const CommandResult file = Pgward({"scan", "--hba", "db/pg_hba.conf"});
  EXPECT_EQ(file.exit_code, kInputError);
  EXPECT_NE(file.err.find("a file is larger than 16 MiB; the limit is --max-file-bytes"),
            std::string::npos)
      << file.err;
  const CommandResult records = Pgward(
      {"scan", "--hba", "db/pg_hba.conf", "--max-file-bytes", "32M", "--max-records", "1000"});
  EXPECT_EQ(records.exit_code, kInputError);
  EXPECT_NE(records.err.find("more than 1000 rows; the limit is --max-records"), std::string::npos)
      << records.err;
  const CommandResult total = Pgward(
      {"scan", "--hba", "db/pg_hba.conf", "--max-file-bytes", "32M", "--max-total-bytes", "1M"});
  EXPECT_EQ(total.exit_code, kInputError);
  EXPECT_NE(total.err.find("the limit is --max-total-bytes"), std::string::npos) << total.err;
  // The JSON listing writes rows as it reads them: stopped by a limit, it has written some, and
  // leaves the array open so that no JSON reader takes them for the file's listing.
  const CommandResult listing = Pgward({"hba", "rules", "--format", "json", "db/pg_hba.conf",
                                        "--max-file-bytes", "32M", "--max-records", "10000"});
  EXPECT_EQ(listing.exit_code, kInputError);
  EXPECT_NE(listing.err.find("more than 10000 rows; the limit is --max-records"), std::string::npos)
      << listing.err;
  EXPECT_NE(listing.out.find("\"line_number\":9000,"), std::string::npos);
  EXPECT_FALSE(nlohmann::json::accept(listing.out));
}

// A kilobyte of YAML can stand for a tree of billions of nodes (each alias names a node again),
// one that contains itself, or one nested past any stack: each YAML input refuses them at once.
TEST_F(HostileTest, YamlBombsAreRefusedInEveryYamlInput) {
  std::string bomb = "x0: &a0 [x, x]\n";
  for (int level = 1; level < 40; ++level) {
    bomb += "x" + std::to_string(level) + ": &a" + std::to_string(level) + " [*a" +
            std::to_string(level - 1) + ", *a" + std::to_string(level - 1) + "]\n";
  }
  const std::string policy_header =
      "apiVersion: pgward/v1\nkind: Policy\nmetadata: {name: bomb, version: '1'}\n";
  const std::string policy_rule =
      "rules:\n  - id: PGW-X-001\n    title: t\n    severity: high\n    target: server\n";
  const std::string nested = std::string(100, '[') + std::string(100, ']');
  const struct {
    std::string file;
    std::string contents;
    std::vector<std::string> arguments;
    std::string expected;
  } cases[] = {
      {"policy.yaml",
       policy_header + bomb,
       {"policy", "lint", "policy.yaml"},
       "expands to more than 250000 nodes"},
      {"predicate.yaml",
       policy_header + policy_rule + "    assert: &p {all: [*p]}\n",
       {"policy", "lint", "predicate.yaml"},
       "an alias refers to a node that contains it"},
      {"values.yaml",
       "min_key_bits: " + nested + "\n",
       {"scan", "--hba", "db/pg_hba.conf", "--values", "values.yaml"},
       "nests deeper than 64 levels"},
      {"waivers.yaml",
       bomb,
       {"scan", "--hba", "db/pg_hba.conf", "--waivers", "waivers.yaml"},
       "expands to more than 250000 nodes"},
      {"inventory.yaml",
       "targets: " + nested + "\n",
       {"collect", "--inventory", "inventory.yaml", "-o", "-"},
       "nests deeper than 64 levels"},
  };
  Write("checkout/db/pg_hba.conf", "local all all peer\n");
  for (const auto& yaml : cases) {
    SCOPED_TRACE(yaml.file);
    Write("checkout/" + yaml.file, yaml.contents);
    const CommandResult result = Pgward(yaml.arguments);
    EXPECT_EQ(result.exit_code, kInputError) << result.err;
    EXPECT_NE(result.err.find(yaml.file + ":"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find(yaml.expected), std::string::npos) << result.err;
  }
}

TEST_F(HostileTest, AFileTheServerWouldRefuseForHavingNoEntriesFails) {
  Write("checkout/db/empty.conf", "# nothing but a comment\n");
  const CommandResult empty = Pgward({"scan", "--hba", "db/empty.conf"});
  EXPECT_EQ(empty.exit_code, kFindings);
  EXPECT_NE(empty.out.find("contains no entries"), std::string::npos) << empty.out;

  fs::create_directories(Path("checkout/db/adir"));
  Write("checkout/db/only-include.conf", "include adir\n");
  const CommandResult directory =
      Pgward({"scan", "--hba", "db/only-include.conf", "--pg-version", "16"});
  EXPECT_EQ(directory.exit_code, kFindings);
  EXPECT_NE(directory.out.find("contains no entries"), std::string::npos) << directory.out;
}

TEST_F(HostileTest, ReportsGoOnlyToRegularFilesThatAreNotInputs) {
  const std::string hba = Write("checkout/db/pg_hba.conf", "local all all peer\n");
  if (geteuid() == 0) {  // only root could replace the device node
    const CommandResult full = Pgward({"scan", "--hba", "db/pg_hba.conf", "--json", "/dev/full"});
    EXPECT_EQ(full.exit_code, kInputError);
    EXPECT_NE(full.err.find("not a regular file"), std::string::npos) << full.err;
    struct stat status;
    ASSERT_EQ(stat("/dev/full", &status), 0);
    EXPECT_TRUE(S_ISCHR(status.st_mode));
  }
  const CommandResult link = Pgward({"scan", "--hba", "db/pg_hba.conf", "--json", "/dev/stdout"});
  EXPECT_EQ(link.exit_code, kInputError);

  const CommandResult dash = Pgward({"scan", "--hba", "db/pg_hba.conf", "--json", "-"});
  EXPECT_EQ(dash.exit_code, 0) << dash.err;
  EXPECT_FALSE(nlohmann::json::parse(dash.out, nullptr, false).is_discarded());
  EXPECT_FALSE(fs::exists(Path("checkout/-")));

  const CommandResult self =
      Pgward({"scan", "--hba", "db/pg_hba.conf", "--sarif", "db/pg_hba.conf"});
  EXPECT_EQ(self.exit_code, kInputError);
  EXPECT_NE(self.err.find("it is an input of this run"), std::string::npos) << self.err;
  EXPECT_EQ(Read(hba), "local all all peer\n");

  CommandOptions to_full;
  to_full.cwd = Path("checkout");
  to_full.stdout_path = "/dev/full";
  to_full.timeout_seconds = kWatchdogSeconds;
  const CommandResult stdout_full = RunPgward({"scan", "--hba", "db/pg_hba.conf"}, to_full);
  EXPECT_EQ(stdout_full.exit_code, kInputError);
  EXPECT_NE(stdout_full.err.find("cannot write to standard output: No space left on device"),
            std::string::npos)
      << stdout_full.err;
}

// A CI job's timeout sends SIGTERM while a report of a large file is being written: its
// temporary file (a dot name beside the report, gigabytes for a hostile input) goes with the run.
TEST_F(HostileTest, AReportBeingWrittenWhenTheRunIsKilledLeavesNothingBehind) {
  // Large enough that its reports take a while to write, small enough for a sanitizer build.
  std::string big;
  for (int i = 0; i < 20000; ++i) {
    big += "host all u" + std::to_string(i) + " 10." + std::to_string(i % 250) + ".0.0/16 md5\n";
  }
  Write("checkout/db/pg_hba.conf", big);
  // Killed as soon as a temporary report appears; the loop gives up if the run ends first.
  const std::string script =
      "'" + std::string(PGWARD_BINARY) +
      "' scan --hba db/pg_hba.conf --max-file-bytes 64M --format json,sarif,junit,text "
      "--output-dir out >/dev/null 2>&1 & pid=$!\n"
      "while kill -0 $pid 2>/dev/null; do\n"
      "  if ls out/.pgward.* >/dev/null 2>&1; then kill -TERM $pid; echo killed; break; fi\n"
      "done\n"
      "wait $pid; echo \"exit $?\"; ls -A out\n";
  CommandOptions options;
  options.cwd = Path("checkout");
  options.timeout_seconds = kWatchdogSeconds;
  const CommandResult result = RunCommand({"/bin/sh", "-c", script}, options);
  ASSERT_NE(result.out.find("killed\nexit 143\n"), std::string::npos) << result.out;
  EXPECT_EQ(result.out.find(".pgward."), std::string::npos) << result.out;
}

// Memory that runs out (a runner's `ulimit -v`) ends the run with an error that says so, exit 3,
// on whichever thread it ran out: never a crash (simdjson 3.0.1 crashed on the line after an
// allocation it could not make), never a pass.
TEST_F(HostileTest, RunningOutOfMemoryIsAnErrorNotACrash) {
  std::string log;
  const auto entries = [&](int count) {
    for (int i = 0; i < count; ++i) {
      log +=
          "{\"timestamp\": \"2026-12-03 22:23:17.096 UTC\", \"pid\": " + std::to_string(100 + i) +
          ", \"remote_host\": \"10.0.0.1\", \"error_severity\": \"LOG\", \"message\": "
          "\"connection received: host=10.0.0.1 port=5\"}\n";
    }
  };
  entries(5000);
  // A line of almost kMaxLineBytes, parsed whole: simdjson asks for about fifteen times its size.
  log += "{\"error_severity\": \"LOG\", \"message\": \"" + std::string(1000000, 'x') + "\"}\n";
  entries(5000);
  Write("checkout/server.json.log", log);
  const auto limited = [&](int megabytes, const std::string& arguments) {
    CommandOptions options;
    options.cwd = Path("checkout");
    options.timeout_seconds = kWatchdogSeconds;
    return RunCommand({"/bin/sh", "-c",
                       "ulimit -v " + std::to_string(megabytes * 1024) + "; exec '" +
                           std::string(PGWARD_BINARY) + "' " + arguments},
                      options);
  };
  // The least memory pgward starts in (the libraries' mappings, the allocator's first arena):
  // below it the allocator fails before pgward runs. None under the sanitizers, which reserve
  // terabytes of shadow memory.
  int least = 16;
  while (least <= 128 && limited(least, "--version").exit_code != 0) least += 4;
  if (least > 128) GTEST_SKIP() << "pgward --version does not start in 128 MB (a sanitizer?)";
  int out_of_memory = 0, finished = 0;
  for (int megabytes = least + 2; megabytes <= least + 40; megabytes += 2) {
    for (const char* jobs : {"1", "2"}) {
      const CommandResult run =
          limited(megabytes, std::string("log summary server.json.log --jobs ") + jobs);
      if (run.exit_code == 0) {
        ++finished;
        continue;
      }
      EXPECT_EQ(run.exit_code, 3) << megabytes << " MB, --jobs " << jobs << ": " << run.err;
      EXPECT_NE(run.err.find("pgward: out of memory"), std::string::npos) << run.err;
      ++out_of_memory;
    }
  }
  EXPECT_GT(out_of_memory, 0);
  EXPECT_GT(finished, 0);
}

TEST_F(HostileTest, FlagsAreCheckedWhereTheyAreParsed) {
  Write("checkout/db/pg_hba.conf", "local all all peer\n");
  struct Case {
    std::vector<std::string> extra;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--format", ""}, "no report format"},
      {{"--set", "min_prefix_ipv4=-5"}, "--set min_prefix_ipv4 must be at least 0, not -5"},
      {{"--source-root", "/nonexistent"}, "--source-root: Directory does not exist"},
      {{"--set", "allowed_ciphers=(?=x)"},
       "command line (--set allowed_ciphers): parameter 'allowed_ciphers': invalid regular "
       "expression '(?=x)'"},
      {{"--path-map", "relative=db"}, "--path-map relative=db: FROM must be an absolute path"},
      {{"--max-files", "0"}, "--max-files"},
      // A limit that wraps to no limit at all.
      {{"--max-records", "-1"}, "--max-records"},
      {{"--max-files", "-100"}, "--max-files"},
      {{"--max-total-bytes", "18446744073709551616"}, "--max-total-bytes"},
      {{"--max-file-bytes", "17179869184G"}, "--max-file-bytes"},
      {{"--max-file-bytes", "1X"}, "--max-file-bytes"},
  };
  for (const std::vector<std::string>& units : std::vector<std::vector<std::string>>{
           {"--max-file-bytes", "16k"}, {"--max-total-bytes", "1 MiB"}, {"--max-records", "2"}}) {
    std::vector<std::string> arguments{"scan", "--hba", "db/pg_hba.conf"};
    arguments.insert(arguments.end(), units.begin(), units.end());
    const CommandResult result = Pgward(arguments);
    EXPECT_NE(result.exit_code, kInputError) << units[0] << " " << units[1] << result.err;
  }
  for (const Case& test : cases) {
    std::vector<std::string> arguments{"scan", "--hba", "db/pg_hba.conf"};
    arguments.insert(arguments.end(), test.extra.begin(), test.extra.end());
    const CommandResult result = Pgward(arguments);
    EXPECT_EQ(result.exit_code, kInputError) << test.extra[0];
    EXPECT_NE(result.err.find(test.message), std::string::npos) << result.err;
  }
}

TEST_F(HostileTest, MaskingHidesValuesNotOptionNames) {
  const CommandResult bogus = Pgward({"scan", "--target", "host=127.0.0.1 bogus=1"});
  EXPECT_NE(bogus.err.find("invalid connection option \"bogus\""), std::string::npos) << bogus.err;
  // A keyword of a newer libpq than the one pgward runs with says so (Debian 12's libpq is 15).
  const CommandResult newer =
      Pgward({"scan", "--target", "host=127.0.0.1 require_auth=scram-sha-256 password=hunter2"});
  if (newer.err.find("invalid connection option \"require_auth\"") != std::string::npos) {
    EXPECT_NE(newer.err.find("invalid connection option \"require_auth\"; require_auth is a "
                             "keyword of libpq 16 and later, and pgward runs with libpq 1"),
              std::string::npos)
        << newer.err;
  }
  EXPECT_EQ(newer.err.find("hunter2"), std::string::npos) << newer.err;
  const CommandResult bare = Pgward({"scan", "--target", "host=127.0.0.1 hunter2"});
  EXPECT_EQ(bare.err.find("hunter2"), std::string::npos) << bare.err;
}

TEST_F(HostileTest, EscapeSequencesInNamesNeverReachTheTerminal) {
  // An OSC 52 sequence would write the clipboard of whoever reads the log in a terminal.
  Write("checkout/inventory.yaml",
        "targets:\n  - name: \"evil\\e]52;c;cm0gLXJmIH4=\\a\"\n"
        "    dsn: \"host=127.0.0.1 port=1 connect_timeout=1\"\n");
  const CommandResult result = Pgward({"scan", "--inventory", "inventory.yaml"});
  EXPECT_EQ(result.exit_code, kIncompleteEvidence) << result.err;
  EXPECT_NE(result.err.find("evil?]52"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find('\x1b'), std::string::npos);
  EXPECT_EQ(result.out.find('\x1b'), std::string::npos);

  // In the hba rules table: a C1 CSI (U+009B, encoded C2 9B) and a byte that is no UTF-8 are
  // shown byte by byte, as the C0 ones are; valid text stays as it is.
  Write("checkout/db/pg_hba.conf", "host all \"caf\xc3\xa9\xc2\x9b[2J\xff\" 10.0.0.0/8 md5\n");
  const CommandResult rules = Pgward({"hba", "rules", "db/pg_hba.conf"});
  EXPECT_EQ(rules.exit_code, 0) << rules.err;
  EXPECT_NE(rules.out.find("{caf\xc3\xa9\\xc2\\x9b[2J\\xff}"), std::string::npos) << rules.out;
  EXPECT_EQ(rules.out.find("\xc2\x9b"), std::string::npos);

  // hba explain names the tokens of the lines it passes over.
  Write("checkout/db/pg_hba.conf",
        "host all \"a\x1b[2Jb\" 10.0.0.0/8 md5\nhost all all 10.0.0.0/8 md5\n");
  const CommandResult explain = Pgward({"hba", "explain", "--user", "x", "--database", "d",
                                        "--address", "10.1.1.1", "db/pg_hba.conf"});
  EXPECT_EQ(explain.exit_code, 0) << explain.err;
  EXPECT_NE(explain.out.find("a?[2Jb"), std::string::npos) << explain.out;
  EXPECT_EQ(explain.out.find('\x1b'), std::string::npos);

  // policy test prints the names of a pull request's test cases.
  Write("checkout/policy/policy.yaml",
        "apiVersion: pgward/v1\nkind: Policy\nmetadata: {name: p}\nrules:\n"
        "  - id: R1\n    title: t\n    severity: low\n    target: server\n"
        "    assert: {ssl: {eq: true}}\n    message: m\n");
  Write("checkout/policy/tests.yaml",
        "apiVersion: pgward/v1\nkind: PolicyTest\npolicy: policy.yaml\ncases:\n"
        "  - name: \"ok \\e]52;c;cm0gLXJmIH4=\\a\"\n    rule: R1\n"
        "    facts: {server: [{server: db1, ssl: false}]}\n    expect: {fail: 1}\n"
        "  - name: \"passes \\e[2J\"\n    rule: R1\n"
        "    facts: {server: [{server: db1, ssl: true}]}\n    expect: {fail: 0}\n");
  const CommandResult tests = Pgward({"policy", "test", "policy"});
  EXPECT_EQ(tests.exit_code, 0) << tests.out << tests.err;
  EXPECT_NE(tests.out.find("ok    R1  ok ?]52;c;"), std::string::npos) << tests.out;
  EXPECT_EQ(tests.out.find('\x1b'), std::string::npos);
  EXPECT_EQ(tests.out.find('\x07'), std::string::npos);
}

}  // namespace
}  // namespace pgward::testing
