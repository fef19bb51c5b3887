// The HTML report as text: self-contained, escaped, with every section a reader needs. How a
// browser renders it (DOM, screenshot, PDF, no request) is tested on a sandbox scan in
// tests/probe/html_report_test.cpp.

#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "reporters/render.h"
#include "tests/reporters/report_cases.h"

namespace pgward {
namespace {

using testing::HostileReport;
using testing::RichReport;

std::string Html(const ScanReport& report) { return reporters::RenderReport("html", report, {}); }

TEST(HtmlReportTest, LoadsNothingAndRunsNothing) {
  const std::string html = Html(RichReport());
  EXPECT_NE(html.find("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
                      "'none'; style-src 'unsafe-inline'; img-src data:;"),
            std::string::npos);
  // The policy comes before anything that could load.
  EXPECT_LT(html.find("Content-Security-Policy"), html.find("<style>"));
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  // Links stay inside the page.
  const std::regex reference(R"re((src|href)\s*=\s*"([^"]*)")re");
  for (auto match = std::sregex_iterator(html.begin(), html.end(), reference);
       match != std::sregex_iterator(); ++match) {
    EXPECT_EQ((*match)[2].str().rfind('#', 0), 0u) << (*match)[0].str();
  }
}

TEST(HtmlReportTest, HoldsTheRunTheRequirementsTheServersTheCertificatesAndTheFindings) {
  const std::string html = Html(RichReport());
  for (const std::string expected :
       {// who, when, where, what, verdict
        "compliance", "scanner-01", "2026-03-01T10:00:00Z", "INCOMPLETE: evidence missing",
        "--inventory inventory.yaml",
        // requirements, with PCI DSS's evidence requirements even when no rule maps to them
        "PCI DSS v4.0.1", "4.2.1.1", "12.3.3", "not assessed",
        // per server: identity, version, collection time, settings, protocols, suites
        "Server db1.example.com:5432", "15.18", "2026-02-28T23:59:30Z", "HIGH:!aNULL",
        "TLS_AES_256_GCM_SHA384",
        // the certificate inventory, expired a month before the evidence was collected
        "CN=Example Root CA", "2026-01-01T00:00:00Z", "expired",
        // findings with their fix, waivers and missing evidence
        "PGW-HBA-002", "legacy BI client, replacement planned in Q3",
        "Fix: ", "cannot read pg_stat_ssl",
        // charts
        "Failing findings by severity", "Sessions by TLS version, per server",
        "Certificates by days to expiry"}) {
    EXPECT_NE(html.find(expected), std::string::npos) << expected;
  }
  // Every server on a new page when printed.
  EXPECT_NE(html.find("@media print"), std::string::npos);
  EXPECT_NE(html.find("section.server, section.page { break-before: page; }"), std::string::npos);
}

TEST(HtmlReportTest, EscapesWhateverTheEvidenceHolds) {
  const std::string html = Html(HostileReport());
  // The role's markup is text, not tags; control characters and invalid UTF-8 are replaced.
  EXPECT_EQ(html.find("<&\"'>"), std::string::npos);
  EXPECT_NE(html.find("&lt;&amp;&quot;&apos;&gt;"), std::string::npos);
  EXPECT_EQ(html.find('\x1b'), std::string::npos);
  EXPECT_EQ(html.find('\x01'), std::string::npos);
  EXPECT_EQ(html.find('\x07'), std::string::npos);
  EXPECT_EQ(html.find("\xff"), std::string::npos);
  EXPECT_NE(html.find("caf\xc3\xa9 \xf0\x9f\x98\x80"), std::string::npos);
}

TEST(HtmlReportTest, TheSameReportGivesTheSameBytes) {
  EXPECT_EQ(Html(RichReport()), Html(RichReport()));
}

}  // namespace
}  // namespace pgward

namespace pgward {
namespace {

// The verdict is what the evidence shows, not what the gate (--fail-on) made of it.
TEST(HtmlReportTest, FailingFindingsAreAFailureEvenWhenTheyDoNotFailTheRun) {
  ScanReport report = testing::RichReport();
  report.errors.clear();
  std::erase_if(report.findings,
                [](const Finding& finding) { return finding.status == FindingStatus::kError; });
  report.invocation.fail_on = std::nullopt;  // --fail-on never
  report.invocation.exit_code = ExitCodeFor(report);
  ASSERT_EQ(report.invocation.exit_code, 0);
  const std::string html = reporters::RenderReport("html", report, {});
  EXPECT_NE(html.find("<span class=\"verdict failed\">FAIL</span>"), std::string::npos);
  EXPECT_EQ(html.find(">PASS<"), std::string::npos);
  EXPECT_NE(html.find("missing evidence only (--fail-on never)"), std::string::npos);
}

// Days to expiry count from when each certificate's own server was collected.
TEST(HtmlReportTest, DaysLeftCountFromTheCertificatesOwnCollection) {
  ScanReport report = testing::RichReport();
  InventoryCertificate soon = report.inventory.certificates[0];
  soon.serial = "5A";
  soon.not_after = "2026-03-20T00:00:00Z";  // db1 was collected 2026-02-28T23:59:30Z
  report.inventory.certificates.push_back(soon);
  const std::string html = reporters::RenderReport("html", report, {});
  EXPECT_NE(html.find("<td>2026-03-20T00:00:00Z</td><td class=\"sev-high\">19</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<td>2026-01-01T00:00:00Z</td><td class=\"sev-high\">expired</td>"),
            std::string::npos);
}

}  // namespace
}  // namespace pgward
