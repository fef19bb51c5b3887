// Oracle test of pgward hba explain against the real PostgreSQL 15 server: the server loads
// each file of fixtures/hba-oracle/, connections from distinct 127.x.y.z addresses with and
// without TLS send a wrong password, and the server's log tells which line it used:
//   "Connection matched pg_hba.conf line N"  (a password line)
//   "pg_hba.conf rejects connection"         (a reject line)
//   "no pg_hba.conf entry"                   (no line: implicit reject)
// `pgward hba explain` must name the same line, or a reject line, or none.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/sandbox/live_client.h"
#include "tests/sandbox/sandbox.h"
#include "tests/support/command.h"

namespace pgward {
namespace {

namespace fs = std::filesystem;

const fs::path kCorpus = fs::path(PGWARD_SOURCE_DIR) / "fixtures" / "hba-oracle";

struct Attempt {
  std::string source;
  bool ssl;
  std::string user;
  std::string database;
};

// 5 addresses x TLS on/off x 3 user/database pairs = 30 attempts per file.
std::vector<Attempt> Attempts() {
  std::vector<Attempt> attempts;
  for (const char* source : {"127.0.0.1", "127.0.1.5", "127.1.2.3", "127.2.0.9", "127.128.0.1"}) {
    for (bool ssl : {false, true}) {
      for (const auto& [user, database] :
           {std::pair{"u1", "db_a"}, std::pair{"u2", "db_b"}, std::pair{"u3", "db_a"}}) {
        attempts.push_back({source, ssl, user, database});
      }
    }
  }
  return attempts;
}

std::string ReadFrom(const fs::path& path, std::uintmax_t offset) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

// What the server decided, from its log: a line number, "reject", or "none".
struct ServerChoice {
  std::string outcome;  // "line", "reject", "none"
  int line = 0;
};

class HbaExplainOracleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sandbox_ = new sandbox::Sandbox();
    sandbox_->Query(
        "CREATE ROLE u1 LOGIN; CREATE ROLE u2 LOGIN; CREATE ROLE u3 LOGIN; "
        "CREATE ROLE g_admin NOLOGIN; GRANT g_admin TO u2;");
    sandbox_->Query("CREATE DATABASE db_a");
    sandbox_->Query("CREATE DATABASE db_b");
  }
  static void TearDownTestSuite() {
    delete sandbox_;
    sandbox_ = nullptr;
  }

  static size_t Count(const std::string& text, const std::string& needle) {
    size_t count = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
      ++count;
    }
    return count;
  }

  // Installs a file as the server's pg_hba.conf and waits until the postmaster reloaded it.
  void Install(const fs::path& file) {
    fs::copy_file(file, sandbox_->hba_file(), fs::copy_options::overwrite_existing);
    const auto errors =
        sandbox_->Query("SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL");
    ASSERT_EQ(errors[0][0], "0") << file << " has lines the server refuses";
    const std::string marker = "received SIGHUP, reloading configuration files";
    const size_t before = Count(ReadFrom(sandbox_->server_log(), 0), marker);
    sandbox_->Query("SELECT pg_reload_conf()");
    for (int i = 0; i < 200 && Count(ReadFrom(sandbox_->server_log(), 0), marker) == before; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    // Backends fork from the postmaster once it has processed the SIGHUP; the log line is
    // written while it does, so give it a moment to finish loading.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  ServerChoice Connect(const Attempt& attempt) {
    const std::uintmax_t offset = fs::file_size(sandbox_->server_log());
    sandbox::ClientSpec spec;
    spec.transport = attempt.ssl ? sandbox::Transport::kTcpTls : sandbox::Transport::kTcpPlaintext;
    spec.user = attempt.user;
    spec.database = attempt.database;
    spec.source_address = attempt.source;
    spec.password = "not-the-password";
    try {
      sandbox::LiveClient client(*sandbox_, spec);
      ADD_FAILURE() << "the connection was accepted";
    } catch (const std::runtime_error&) {
      // Expected: every line is `password` or `reject`, and the password is wrong.
    }
    static const std::regex kMatched(R"(Connection matched pg_hba\.conf line (\d+))");
    for (int i = 0; i < 500; ++i) {
      const std::string log = ReadFrom(sandbox_->server_log(), offset);
      std::smatch match;
      if (std::regex_search(log, match, kMatched)) return {"line", std::stoi(match[1])};
      if (log.find("pg_hba.conf rejects connection") != std::string::npos) return {"reject", 0};
      if (log.find("no pg_hba.conf entry") != std::string::npos) return {"none", 0};
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "the server logged no decision";
    return {"", 0};
  }

  static ServerChoice Explain(const fs::path& file, const Attempt& attempt) {
    std::vector<std::string> arguments = {"hba",
                                          "explain",
                                          "--pg-version",
                                          "15",
                                          "--format",
                                          "json",
                                          "--address",
                                          attempt.source,
                                          "--user",
                                          attempt.user,
                                          "--database",
                                          attempt.database,
                                          attempt.ssl ? "--ssl" : "--no-ssl"};
    if (attempt.user == "u2") {
      arguments.push_back("--member-of");
      arguments.push_back("g_admin");
    }
    arguments.push_back(file.string());
    const testing::CommandResult result = testing::RunPgward(arguments);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    const nlohmann::json json = nlohmann::json::parse(result.out);
    if (!json["matched"].get<bool>()) return {"none", 0};
    if (json["auth_method"] == "reject") return {"reject", 0};
    return {"line", json["line_number"].get<int>()};
  }

  // Also checks that the files exercise every outcome: a test where the server always said the
  // same thing would prove little.
  void CheckFiles(std::initializer_list<const char*> names) {
    std::map<std::string, int> outcomes;
    for (const char* name : names) {
      const fs::path file = kCorpus / (std::string(name) + ".conf");
      Install(file);
      for (const Attempt& attempt : Attempts()) {
        const ServerChoice server = Connect(attempt);
        const ServerChoice pgward = Explain(file, attempt);
        ++outcomes[server.outcome];
        EXPECT_EQ(pgward.outcome, server.outcome)
            << name << ": " << attempt.source << (attempt.ssl ? " ssl " : " plain ") << attempt.user
            << "@" << attempt.database;
        EXPECT_EQ(pgward.line, server.line)
            << name << ": " << attempt.source << (attempt.ssl ? " ssl " : " plain ") << attempt.user
            << "@" << attempt.database;
      }
    }
    EXPECT_GT(outcomes["line"], 0);
    EXPECT_GT(outcomes["reject"] + outcomes["none"], 0);
  }

  static sandbox::Sandbox* sandbox_;
};

sandbox::Sandbox* HbaExplainOracleTest::sandbox_ = nullptr;

TEST_F(HbaExplainOracleTest, CorpusHasTwentyFiles) {
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(kCorpus)) {
    files += entry.path().extension() == ".conf";
  }
  EXPECT_GE(files, 20u);
  EXPECT_GE(Attempts().size(), 20u);
}

TEST_F(HbaExplainOracleTest, OrderingAndRejects) {
  CheckFiles({"01", "02", "03", "04", "05", "21"});
}
TEST_F(HbaExplainOracleTest, DatabasesUsersAndGroups) {
  CheckFiles({"06", "07", "10", "11", "15", "19"});
}
TEST_F(HbaExplainOracleTest, AddressesAndMasks) { CheckFiles({"08", "09", "12", "16", "17"}); }
TEST_F(HbaExplainOracleTest, ShadowedLinesAndTls) { CheckFiles({"13", "14", "18", "20", "22"}); }

}  // namespace
}  // namespace pgward
