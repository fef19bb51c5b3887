// The HTML report of a sandbox scan, in a real browser (Debian's headless Chromium): what an
// assessor sees on screen and on paper, and that opening it asks nothing of the network.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include <openssl/ssl.h>

#include "tests/sandbox/live_client.h"
#include "tests/sandbox/sandbox.h"
#include "tests/support/browser.h"
#include "tests/support/command.h"

namespace pgward {
namespace {

using sandbox::Sandbox;
using sandbox::SandboxOptions;
using testing::RenderInChromium;
using testing::RunPgward;

class ScratchDir {
 public:
  ScratchDir() {
    char pattern[] = "/tmp/pgward-html-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return std::move(text).str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// The hosts a page made the browser ask for, beyond what the browser asks for by itself
// (update checks and the like, seen rendering an empty page) and the page's own file.
std::set<std::string> HostsAskedFor(const std::string& page, const std::set<std::string>& own) {
  const testing::BrowserRun run = RenderInChromium(page, "--dump-dom");
  // A run that failed, or a net-log cut short, would show no request at all.
  EXPECT_EQ(run.command.exit_code, 0) << run.command.err;
  EXPECT_GT(run.net_log_events, 0u) << "no net-log of " << page;
  std::set<std::string> hosts;
  for (const std::string& url : run.requested_urls) {
    const std::string host = testing::UrlHost(url);
    if (url.rfind("file://", 0) == 0 && url.find(page) != std::string::npos) continue;
    if (!own.contains(host)) hosts.insert(host);
  }
  return hosts;
}

class HtmlReportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sandbox_ = new Sandbox(SandboxOptions::legacy_tls());
    sandbox_->GrantScannerHbaFileRules();
    sessions_ = new std::vector<sandbox::LiveClient>;
    sessions_->emplace_back(*sandbox_, sandbox::ClientSpec{.transport = sandbox::Transport::kTcpTls,
                                                           .user = sandbox::kTlsAppRole,
                                                           .min_tls_version = TLS1_3_VERSION});
    sessions_->emplace_back(*sandbox_, sandbox::ClientSpec{.transport = sandbox::Transport::kTcpTls,
                                                           .user = sandbox::kTlsAppRole,
                                                           .max_tls_version = TLS1_2_VERSION});
    sessions_->emplace_back(*sandbox_,
                            sandbox::ClientSpec{.transport = sandbox::Transport::kTcpPlaintext});
    scratch_ = new ScratchDir;
    const auto scan =
        RunPgward({"scan", "--target", sandbox_->tls_dsn(sandbox::kScannerRole), "--probe",
                   "--pack", "pci-dss-4.0", "--html", scratch_->file("report.html"), "--json",
                   scratch_->file("report.json"), "--format", "text"});
    ASSERT_NE(scan.exit_code, 2) << scan.err;
    const nlohmann::json report = nlohmann::json::parse(ReadFile(scratch_->file("report.json")));
    ASSERT_EQ(report["servers"].size(), 1u) << report["servers"].dump();
    server_ = new std::string(report["servers"][0]["name"].get<std::string>());
  }
  static void TearDownTestSuite() {
    delete sessions_;
    delete sandbox_;
    delete scratch_;
    delete server_;
  }
  // The suite's scan failed when it set no server: every test says so.
  void SetUp() override { ASSERT_NE(server_, nullptr) << "the sandbox scan failed"; }
  static std::string Page() { return scratch_->file("report.html"); }

  static Sandbox* sandbox_;
  static std::vector<sandbox::LiveClient>* sessions_;
  static ScratchDir* scratch_;
  static std::string* server_;
};

Sandbox* HtmlReportTest::sandbox_ = nullptr;
std::vector<sandbox::LiveClient>* HtmlReportTest::sessions_ = nullptr;
ScratchDir* HtmlReportTest::scratch_ = nullptr;
std::string* HtmlReportTest::server_ = nullptr;

TEST_F(HtmlReportTest, TheBrowsersDomHoldsTheVerdictsAndTheServer) {
  const testing::BrowserRun run = RenderInChromium(Page(), "--dump-dom");
  ASSERT_EQ(run.command.exit_code, 0) << run.command.err;
  const std::string& dom = run.command.out;
  for (const std::string expected :
       {"4.2.1", "4.2.1.1", "2.2.7", "8.3.2", "12.3.3", "Server ",
        "Sessions by TLS version, per server", "TLSv1.2", "TLSv1.3", "PGW-CONN-001"}) {
    EXPECT_NE(dom.find(expected), std::string::npos) << expected;
  }
  EXPECT_NE(dom.find(*server_), std::string::npos) << *server_;
  // A plaintext session is planted: 4.2.1 cannot be satisfied.
  const std::size_t requirement = dom.find("<b>4.2.1</b>");
  ASSERT_NE(requirement, std::string::npos);
  EXPECT_EQ(dom.compare(dom.find("verdict ", requirement), 21, "verdict not_satisfied"), 0)
      << dom.substr(requirement, 200);
}

TEST_F(HtmlReportTest, AScreenshotIsNotBlank) {
  ScratchDir shots;
  const std::string png = shots.file("report.png");
  const testing::BrowserRun run = RenderInChromium(Page(), "--screenshot=" + png);
  ASSERT_EQ(run.command.exit_code, 0) << run.command.err;
  // Text, tables, verdict badges and charts: a good part of the window is not background.
  EXPECT_GT(testing::PngNonBackgroundShare(png), 0.02);
  // The measure itself: a page with nothing on it is blank.
  WriteFile(shots.file("blank.html"), "<!DOCTYPE html><html><body></body></html>");
  const std::string blank = shots.file("blank.png");
  ASSERT_EQ(RenderInChromium(shots.file("blank.html"), "--screenshot=" + blank).command.exit_code,
            0);
  EXPECT_EQ(testing::PngNonBackgroundShare(blank), 0.0);
}

TEST_F(HtmlReportTest, PrintedToPdfItHoldsTheRequirementsAndTheServer) {
  ScratchDir print;
  const std::string pdf = print.file("report.pdf");
  const testing::BrowserRun run = RenderInChromium(Page(), "--print-to-pdf=" + pdf);
  ASSERT_EQ(run.command.exit_code, 0) << run.command.err;
  const testing::CommandResult text = testing::RunCommand({"pdftotext", pdf, "-"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  for (const std::string expected : {"4.2.1", "4.2.1.1", "2.2.7", "8.3.2", "12.3.3", "PGW-"}) {
    EXPECT_NE(text.out.find(expected), std::string::npos) << expected;
  }
  EXPECT_NE(text.out.find(*server_), std::string::npos) << *server_;
  // The servers start on pages of their own: more than one page.
  const testing::CommandResult info = testing::RunCommand({"pdfinfo", pdf});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  ASSERT_NE(info.out.find("Pages:"), std::string::npos) << info.out;
  EXPECT_EQ(info.out.find("Pages:          1\n"), std::string::npos) << info.out;
}

TEST_F(HtmlReportTest, OpeningItRequestsNothing) {
  ScratchDir pages;
  WriteFile(pages.file("empty.html"), "<!DOCTYPE html><html><body></body></html>");
  std::set<std::string> browser_own;
  const testing::BrowserRun empty = RenderInChromium(pages.file("empty.html"), "--dump-dom");
  ASSERT_EQ(empty.command.exit_code, 0) << empty.command.err;
  ASSERT_GT(empty.net_log_events, 0u);
  for (const std::string& url : empty.requested_urls) browser_own.insert(testing::UrlHost(url));
  EXPECT_EQ(HostsAskedFor(Page(), browser_own), std::set<std::string>{});

  // Were a value ever written unescaped, the policy would still block what it loads; without the
  // policy, the browser does ask (the net-log sees it: the check above can fail).
  const std::string html = ReadFile(Page());
  const std::string planted = "<img src=\"http://127.0.0.1:9/planted.png\">";
  const std::size_t body = html.find("<body>") + 6;
  WriteFile(pages.file("planted.html"), html.substr(0, body) + planted + html.substr(body));
  EXPECT_FALSE(HostsAskedFor(pages.file("planted.html"), browser_own).contains("127.0.0.1:9"));
  std::string without_policy = html.substr(0, body) + planted + html.substr(body);
  const std::size_t policy = without_policy.find("<meta http-equiv=\"Content-Security-Policy\"");
  ASSERT_NE(policy, std::string::npos);
  without_policy.erase(policy, without_policy.find('>', policy) + 1 - policy);
  WriteFile(pages.file("unprotected.html"), without_policy);
  EXPECT_TRUE(HostsAskedFor(pages.file("unprotected.html"), browser_own).contains("127.0.0.1:9"));
}

}  // namespace
}  // namespace pgward
