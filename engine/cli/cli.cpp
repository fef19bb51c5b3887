#include "engine/cli/cli.h"

#include <unistd.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include <functional>
#include <iostream>
#include <iterator>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/cli/collect_command.h"
#include "engine/cli/evidence_command.h"
#include "engine/cli/hba_diff_command.h"
#include "engine/cli/hba_explain_command.h"
#include "engine/cli/hba_rules_command.h"
#include "engine/cli/log_command.h"
#include "engine/cli/policy_commands.h"
#include "engine/cli/probe_command.h"
#include "engine/cli/report_merge_command.h"
#include "engine/cli/scan_command.h"
#include "engine/core/exit_code.h"
#include "engine/core/suggest.h"
#include "engine/hba/parser.h"
#include "engine/logs/line_prefix.h"
#include "pgward/version.h"
#include "reporters/printable.h"
#include "reporters/render.h"

namespace pgward::cli {
namespace {

constexpr std::string_view kExitCodesHelp =
    "Exit codes:\n"
    "  0  no failing finding at or above the --fail-on threshold\n"
    "  1  failing findings at or above the threshold\n"
    "  2  usage or input error (bad flag, unreadable or invalid input)\n"
    "  3  incomplete evidence: something could not be collected or read (never a silent pass)\n";

int UsageError(const std::string& message, const std::string& hint_command) {
  std::cerr << "pgward: " << message << "\n"
            << "Run '" << hint_command << " --help' for usage.\n";
  return ToInt(ExitCode::kUsageOrInputError);
}

// What the chosen command does: set by its CLI11 callback once the whole line parsed.
using Action = std::function<int()>;

void AddPgVersionOption(CLI::App& command, int& version, const std::string& description) {
  command.add_option("--pg-version", version, description)
      ->check(CLI::Range(hba::kOldestPgVersion, hba::kNewestPgVersion))
      ->default_val(hba::kDefaultPgVersion);
}

// One --path-map FROM=TO: FROM absolute, both non-empty, trailing separators dropped. A bad
// one is a parse error, reported like any other bad flag.
hba::PathMapping ParsePathMapping(const std::string& path_map) {
  const std::size_t equals = path_map.find('=');
  if (equals == std::string::npos || equals == 0 || equals + 1 == path_map.size()) {
    throw CLI::ValidationError("--path-map " + path_map, "expected FROM=TO");
  }
  std::string from = path_map.substr(0, equals);
  if (from.front() != '/') {
    throw CLI::ValidationError("--path-map " + path_map, "FROM must be an absolute path");
  }
  while (from.size() > 1 && from.back() == '/') from.pop_back();
  std::string to = path_map.substr(equals + 1);
  while (to.size() > 1 && to.back() == '/') to.pop_back();
  return {std::move(from), std::move(to)};
}

// "64M", "1000", "16 KiB": digits, then a unit of 1024 (K, M, G, with B or iB, any case).
std::optional<std::size_t> ParseLimit(std::string_view text) {
  std::size_t number = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc() || end == text.data() || number == 0) return std::nullopt;
  std::string unit(end, text.data() + text.size());
  std::erase(unit, ' ');
  std::ranges::transform(unit, unit.begin(), [](unsigned char c) { return std::tolower(c); });
  static constexpr std::pair<std::string_view, int> kUnits[] = {
      {"", 0},    {"b", 0},    {"k", 10}, {"kb", 10}, {"kib", 10}, {"m", 20},
      {"mb", 20}, {"mib", 20}, {"g", 30}, {"gb", 30}, {"gib", 30}};
  for (const auto& [name, shift] : kUnits) {
    if (unit != name) continue;
    if (number > (std::numeric_limits<std::size_t>::max() >> shift)) return std::nullopt;
    return number << shift;
  }
  return std::nullopt;
}

// --include-root, --path-map and the read limits: what a pg_hba.conf may make pgward read.
void AddHbaAccessOptions(CLI::App& command, hba::FileAccess& access) {
  command
      .add_option("--include-root", access.include_root,
                  "Directory every file an hba file names (include, include_dir, @file) must lie "
                  "in, symlinks followed; others are refused (default: the hba file's directory, "
                  "and for an inventory's hba_file, ident_file and server_logs the inventory's; "
                  "'/' reads what the server would)")
      ->check(CLI::ExistingDirectory);
  command.add_option_function<std::vector<std::string>>(
      "--path-map",
      [&access](const std::vector<std::string>& path_maps) {
        for (const std::string& path_map : path_maps) {
          access.path_map.push_back(ParsePathMapping(path_map));
        }
      },
      "FROM=TO: read an absolute path the hba file names under FROM from TO instead "
      "(the server's config directory mapped onto the checkout; repeatable)");
  // A limit is a positive whole number with an optional binary unit. Read here, not by CLI11's
  // AsSizeValue, which takes "-1" for 2^64 - 1 and a number past 2^64 for another: a limit that
  // silently means none.
  static const CLI::Validator kLimit(
      [](std::string& input) -> std::string {
        const std::optional<std::size_t> limit = ParseLimit(input);
        if (!limit) return "expected a whole number from 1, with an optional K, M or G: " + input;
        input = std::to_string(*limit);
        return {};
      },
      "SIZE");
  auto limit = [&](const char* name, std::size_t& value, const std::string& what) {
    command.add_option(name, value, what + " (default " + std::to_string(value) + ")")
        ->transform(kLimit);
  };
  limit("--max-file-bytes", access.limits.max_file_bytes,
        "Largest hba file, or file it includes, in bytes (K, M, G suffixes)");
  limit("--max-total-bytes", access.limits.max_total_bytes,
        "Most bytes read for one hba file with its includes");
  limit("--max-files", access.limits.max_files,
        "Most file and directory reads for one hba file (a file included twice counts twice)");
  limit("--max-records", access.limits.max_records, "Most rows of one hba file");
}

// --build-without gssapi,pam,ldap: the server's build, for files read offline.
void AddServerBuildOption(CLI::App& command, hba::ServerBuild& build) {
  command
      .add_option_function<std::vector<std::string>>(
          "--build-without",
          [&build](const std::vector<std::string>& features) {
            for (const std::string& feature : features) {
              (feature == "gssapi" ? build.gssapi
               : feature == "pam"  ? build.pam
                                   : build.ldap) = false;
            }
          },
          "Features the server was built without (gssapi, pam, ldap; comma-separated): "
          "lines that need them are errors, as on that server (default: the PGDG and Debian "
          "builds, which have all three)")
      ->delimiter(',')
      ->check(CLI::IsMember({"gssapi", "pam", "ldap"}));
}

// What `scan` and `hba diff` evaluate.
void AddPolicyChoiceOptions(CLI::App& command, PolicyChoice& choice) {
  command.add_option("--policy", choice.policies, "Policy or pack file (repeatable)");
  command.add_option("--pack", choice.packs,
                     "Built-in pack: baseline, pci-dss-4.0, cis-postgresql (default baseline)");
  command.add_option("--set", choice.assignments, "Policy parameter NAME=VALUE (repeatable)");
  command.add_option("--values", choice.values_files, "YAML file of parameter values");
}

// The live servers of `collect` and `scan`.
void AddLiveTargetOptions(CLI::App& command, CollectCommandOptions& options) {
  command.add_option("--target", options.targets,
                     "libpq connection string or URI (repeatable; PG* variables, .pgpass and "
                     "pg_service.conf apply)");
  command.add_option("--inventory", options.inventory, "Inventory of servers (YAML)");
  command.add_option("--tag", options.tags, "Only inventory targets with this tag (repeatable)");
  command.add_option("--shard", options.shard,
                     "INDEX/COUNT: only this shard of the targets (a stable partition by the hash "
                     "of their names; 0-based)");
  command
      .add_option("--shards", options.shards,
                  "COUNT: shard by JOB_COMPLETION_INDEX, the index a Kubernetes Indexed Job "
                  "gives each pod")
      ->check(CLI::Range(1, 100000));
  if (const char* index = std::getenv("JOB_COMPLETION_INDEX")) options.job_completion_index = index;
  command.add_option("--concurrency", options.concurrency, "Servers collected at once")
      ->check(CLI::Range(1, 1024))
      ->default_val(64);
  command
      .add_option("--retries", options.retries,
                  "Retries of a transient connection failure (refused while a server restarts, "
                  "no free connection slot), after 250 ms then doubling, within the timeout")
      ->check(CLI::Range(0, 10))
      ->default_val(2);
  command
      .add_option("--deadline-ms", options.deadline_ms,
                  "The whole collection's time, the TLS probe's included: targets not started by "
                  "then are not collected (each an error), and none runs past it")
      ->check(CLI::Range(1, 86400000));
  command.add_option("--timeout-ms", options.timeout_ms, "Per-server timeout")
      ->check(CLI::Range(1, 3600000));
  command.add_flag("--probe", options.probe,
                   "Also probe each server's TLS on the host and port connected to: accepted "
                   "versions, cipher suites and certificate chain (PGW-CERT-*, PGW-PROBE-*)");
  CLI::Option* crl_files =
      command
          .add_option("--crl-file", options.crl_files,
                      "Certificate revocation list (PEM or DER; repeatable): the probed server "
                      "certificates and the sessions' client certificates its issuer's list "
                      "revokes are findings (PGW-CERT-005, PGW-CONN-008); a list past its next "
                      "update, or not signed by a certificate of --crl-ca-file, is an error")
          ->check(CLI::ExistingFile);
  command
      .add_option("--crl-ca-file", options.crl_ca_files,
                  "PEM certificates of the CAs that sign the --crl-file lists (repeatable): "
                  "each list's signature is checked with its issuer's key before it is used")
      ->check(CLI::ExistingFile)
      ->needs(crl_files);
  command.add_option("--probe-ca-file", options.probe_ca_file,
                     "CA certificates to verify the probed chains with (default: the sslrootcert "
                     "libpq used to connect to the server, from the connection string, inventory, "
                     "service file or PGSSLROOTCERT; else the system store)");
}

// `hba rules` and `hba ident`: a file listed as the server's view of it would show it.
void AddHbaListingCommand(CLI::App& hba, Action& action, const char* name, const char* description,
                          const char* file_help,
                          int (*run)(const HbaRulesOptions&, std::ostream&, std::ostream&)) {
  CLI::App* command = hba.add_subcommand(name, description);
  auto options = std::make_shared<HbaRulesOptions>();
  auto format = std::make_shared<std::string>("table");
  AddPgVersionOption(*command, options->pg_version,
                     "PostgreSQL major version whose parser and view to follow");
  command
      ->add_option("--format", *format,
                   "Output format: table, or json (an array of the view's rows, one per line)")
      ->check(CLI::IsMember({"table", "json"}))
      ->default_val("table");
  command->add_option("FILE", options->file, file_help)->required();
  AddHbaAccessOptions(*command, options->access);
  AddServerBuildOption(*command, options->build);
  command->callback([&action, options, format, run] {
    options->format =
        *format == "json" ? HbaRulesOptions::Format::kJson : HbaRulesOptions::Format::kTable;
    action = [options, run] { return run(*options, std::cout, std::cerr); };
  });
}

void AddHbaExplainCommand(CLI::App& hba, Action& action) {
  CLI::App* command =
      hba.add_subcommand("explain",
                         "Show which line the server would use for a connection, and why "
                         "the earlier lines do not match");
  auto options = std::make_shared<HbaExplainOptions>();
  auto format = std::make_shared<std::string>("text");
  AddPgVersionOption(*command, options->pg_version,
                     "PostgreSQL major version whose parser to follow");
  command->add_option("--format", *format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->default_val("text");
  command->add_option("--address", options->address, "Client IP address (TCP connections)");
  command->add_flag("--local", options->local, "A Unix-socket connection");
  command->add_flag("--ssl,!--no-ssl", options->ssl,
                    "The connection uses TLS (--no-ssl, the default: it does not)");
  command->add_flag("--gssenc", options->gssenc, "The connection uses GSSAPI encryption");
  command->add_option("--user", options->user, "Role name")->required();
  command->add_option("--database", options->database, "Database name");
  command
      ->add_option("--member-of", options->member_of,
                   "Roles the user belongs to (for +group and samerole)")
      ->delimiter(',');
  command->add_flag("--replication", options->replication,
                    "A physical replication connection (matches only 'replication')");
  command
      ->add_option("--local-networks", options->local_networks,
                   "The server's own networks as CIDRs, to decide samehost and samenet")
      ->delimiter(',');
  command->add_option("FILE", options->file, "pg_hba.conf file to read ('-': standard input)")
      ->required();
  AddHbaAccessOptions(*command, options->access);
  command->callback([&action, options, format] {
    options->format =
        *format == "json" ? HbaExplainOptions::Format::kJson : HbaExplainOptions::Format::kText;
    action = [options] { return RunHbaExplain(*options, std::cout, std::cerr); };
  });
}

void AddHbaDiffCommand(CLI::App& hba, Action& action) {
  CLI::App* command = hba.add_subcommand(
      "diff",
      "Show what a change to a pg_hba.conf opens or closes, for which connections, databases, "
      "users and addresses (from the first-match analysis of both versions, not from a line "
      "diff), and the findings it brings or removes");
  auto options = std::make_shared<HbaDiffOptions>();
  auto format = std::make_shared<std::string>("text");
  auto fail_on = std::make_shared<std::string>("high");
  auto files = std::make_shared<std::vector<std::string>>();
  command
      ->add_option("BASE HEAD", *files,
                   "The file before the change and after it; with --base-ref, HEAD only")
      ->required()
      ->expected(1, 2);
  command->add_option("--base-ref", options->base_ref,
                      "Read the base from git: HEAD's file (and what lies beside it) at this "
                      "revision, e.g. origin/main (runs the git program)");
  AddPgVersionOption(*command, options->pg_version,
                     "PostgreSQL major version whose parser to follow for both files");
  command->add_option("--format", *format, "Output format (markdown: for a pull-request comment)")
      ->check(CLI::IsMember({"text", "json", "markdown"}))
      ->default_val("text");
  AddPolicyChoiceOptions(*command, options->policy_choice);
  command
      ->add_option("--fail-on", *fail_on,
                   "Lowest severity of a new failing finding that makes the exit code 1")
      ->check(CLI::IsMember({"info", "low", "medium", "high", "critical"}))
      ->default_val("high");
  AddHbaAccessOptions(*command, options->access);
  command->callback([&action, options, format, fail_on, files] {
    if (files->size() != (options->base_ref.empty() ? 2u : 1u)) {
      throw CLI::ValidationError("BASE HEAD", options->base_ref.empty()
                                                  ? "give two files, or --base-ref REF and one"
                                                  : "with --base-ref, give only HEAD");
    }
    options->head = files->back();
    if (files->size() == 2) options->base = files->front();
    options->format = *format == "json"       ? HbaDiffOptions::Format::kJson
                      : *format == "markdown" ? HbaDiffOptions::Format::kMarkdown
                                              : HbaDiffOptions::Format::kText;
    options->fail_on = *ParseSeverity(*fail_on);
    action = [options] { return RunHbaDiff(*options, std::cout, std::cerr); };
  });
}

void AddProbeCommand(CLI::App& app, Action& action) {
  CLI::App* command = app.add_subcommand(
      "probe",
      "Probe a server's TLS: accepted versions and cipher suites, certificate chain, latency");
  auto options = std::make_shared<ProbeCommandOptions>();
  auto format = std::make_shared<std::string>("text");
  command->add_option("HOST[:PORT]", options->target, "Server to probe ([::1]:5432 for IPv6)")
      ->required();
  command->add_option("--sni", options->sni, "Server name to send and check the certificate for");
  command->add_option("--ca-file", options->ca_file,
                      "CA certificates to verify the chain with (default: the system store)");
  command->add_option("--format", *format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->default_val("text");
  command->add_flag("--direct", options->direct,
                    "PostgreSQL 17+ direct TLS (ALPN postgresql) instead of SSLRequest");
  command->add_option("--concurrency", options->concurrency, "Parallel handshakes")
      ->check(CLI::Range(1, 64))
      ->default_val(8);
  command->add_option("--timeout-ms", options->timeout_ms, "Timeout of each connect and handshake")
      ->check(CLI::Range(1, 600000))
      ->default_val(5000);
  command->callback([&action, options, format] {
    options->format =
        *format == "json" ? ProbeCommandOptions::Format::kJson : ProbeCommandOptions::Format::kText;
    action = [options] { return RunProbeCommand(*options, std::cout, std::cerr); };
  });
}

void AddCollectCommand(CLI::App& app, Action& action) {
  CLI::App* command = app.add_subcommand(
      "collect", "Collect live evidence from servers (libpq) into a snapshot file");
  auto options = std::make_shared<CollectCommandOptions>();
  AddLiveTargetOptions(*command, *options);
  command->add_option("-o,--output", options->output, "Snapshot file to write")->required();
  AddHbaAccessOptions(*command, options->hba_access);
  command->callback([&action, options] {
    options->progress = isatty(STDERR_FILENO);
    action = [options] { return RunCollect(*options, std::cout, std::cerr); };
  });
}

// The report options `scan` and `report merge` share; FinishReportOutputOptions completes them
// once parsed (the --format list), returning a usage error.
struct ReportOutputFlags {
  std::shared_ptr<std::string> formats;
  CLI::Option* format_option = nullptr;
};

ReportOutputFlags AddReportOutputOptions(CLI::App& app, ReportOutputOptions& output) {
  ReportOutputFlags flags{std::make_shared<std::string>("text"), nullptr};
  std::shared_ptr<std::string>& formats = flags.formats;
  flags.format_option =
      app.add_option(
             "--format", *formats,
             "Report formats, comma-separated (text, json, sarif, junit, github: workflow-command "
             "annotations, gitlab: Code Quality report, metrics: Prometheus, html: one "
             "self-contained page, oscal: NIST OSCAL assessment results); without it, text unless "
             "a --json/--sarif/--junit/--metrics/"
             "--html FILE is '-' (standard output)")
          ->default_val("text");
  app.add_option("--output-dir", output.output_dir, "Write the reports into DIR");
  app.add_option("--json", output.json_file, "Write the JSON report to FILE");
  app.add_option("--sarif", output.sarif_file, "Write the SARIF 2.1.0 report to FILE");
  app.add_option("--junit", output.junit_file, "Write the JUnit XML report to FILE");
  app.add_option("--html", output.html_file,
                 "Write the HTML report to FILE (one page, nothing loaded from elsewhere)");
  app.add_option("--oscal", output.oscal_file,
                 "Write NIST OSCAL assessment results (JSON, OSCAL 1.0.6) to FILE");
  app.add_option("--metrics", output.metrics_file,
                 "Write Prometheus metrics to FILE (text format; for node_exporter's "
                 "textfile collector, a FILE ending in .prom in its directory)");
  app.add_option("--source-root", output.source_root,
                 "SARIF: file locations relative to this directory (the repository root)")
      ->check(CLI::ExistingDirectory)
      ->default_val(".");
  app.add_flag("--sarif-omit-suppressed", output.sarif_omit_suppressed,
               "SARIF: leave waived findings out (GitHub shows suppressed results as open)");
  app.add_option("--sarif-category", output.sarif_category,
                 "SARIF: the run's automationDetails.id category (GitHub code scanning: one "
                 "upload of a category replaces the last; default: a digest of the targets)")
      ->check([](const std::string& category) {
        return category.empty() || category.find('/') != std::string::npos
                   ? std::string("a non-empty name without '/'")
                   : std::string();
      });
  return flags;
}

std::optional<std::string> FinishReportOutputOptions(const ReportOutputFlags& flags,
                                                     ReportOutputOptions& output) {
  output.formats.clear();
  const bool report_to_stdout = output.json_file == "-" || output.sarif_file == "-" ||
                                output.junit_file == "-" || output.metrics_file == "-" ||
                                output.html_file == "-" || output.oscal_file == "-";
  std::string formats = *flags.formats;
  if (flags.format_option->count() == 0 && report_to_stdout) formats.clear();
  std::stringstream list(formats);
  for (std::string format; std::getline(list, format, ',');) {
    if (!reporters::IsReportFormat(format)) {
      std::string known;
      for (std::string_view name : reporters::ReportFormats()) {
        known += (known.empty() ? "" : ", ") + std::string(name);
      }
      return "unknown report format '" + format + "' (" + known + ")";
    }
    output.formats.push_back(format);
  }
  output.color = isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr;
  return std::nullopt;
}

// How a server log is named and read: `scan --server-log` and `log summary` take the same.
void AddLogReadOptions(CLI::App& command, std::string& line_prefix, std::string& format) {
  command
      .add_option("--log-format", format,
                  "stderr, csvlog or jsonlog (default: recognised from the content)")
      ->check(CLI::IsMember({"stderr", "csvlog", "jsonlog"}));
  command
      .add_option("--log-line-prefix", line_prefix,
                  "The server's log_line_prefix, for stderr logs (every escape PostgreSQL "
                  "documents, with padding such as %-10u)")
      ->default_val(logs::kDefaultLogLinePrefix);
}

void AddServerLogOptions(CLI::App& command, std::vector<std::string>& files,
                         std::string& line_prefix, std::string& format) {
  command
      .add_option("--server-log", files,
                  "The server's log (log_connections = on), rotated files first, gzip read as "
                  "it is: sessions and failures over the period it covers (PGW-LOG-*)")
      ->check(CLI::ExistingFile);
  AddLogReadOptions(command, line_prefix, format);
}

void AddScanCommand(CLI::App& app, Action& action, std::vector<std::string> arguments) {
  CLI::App* command = app.add_subcommand(
      "scan", "Collect evidence (hba files, servers, snapshots) and evaluate policies");
  auto options = std::make_shared<ScanOptions>();
  options->arguments = std::move(arguments);
  auto fail_on = std::make_shared<std::string>("high");
  command->add_option("--hba", options->hba_files,
                      "pg_hba.conf file to check (repeatable; '-': standard input)");
  command->add_option("--ident", options->ident_file,
                      "pg_ident.conf of the --hba files, whose maps decide who a client "
                      "certificate logs in as (default: the pg_ident.conf beside each, if any)");
  command->add_option("--snapshot", options->snapshots, "Snapshot to evaluate (repeatable)");
  AddServerLogOptions(*command, options->server_logs, options->log_line_prefix,
                      options->log_format);
  AddLiveTargetOptions(*command, options->live);
  AddPgVersionOption(*command, options->pg_version,
                     "PostgreSQL major version whose pg_hba.conf parser to follow for --hba");
  AddServerBuildOption(*command, options->server_build);
  AddPolicyChoiceOptions(*command, options->policy_choice);
  command->add_option("--waivers", options->waivers, "Waivers file (YAML)");
  CLI::Option* baseline = command->add_option(
      "--baseline", options->baseline,
      "An earlier run's JSON report: each finding is new, unchanged, worsened or updated "
      "against it, and its findings gone since are listed as absent");
  CLI::Option* base_hba = command->add_option(
      "--base-hba", options->base_hba,
      "Pre-merge: the --hba file before the change; its findings are the baseline");
  CLI::Option* base_ref = command->add_option(
      "--base-ref", options->base_ref,
      "Pre-merge: the --hba files as they are at this git revision (with the files beside them "
      "they include) are the baseline");
  baseline->excludes(base_hba)->excludes(base_ref);
  base_hba->excludes(base_ref);
  CLI::Option* state_dir = command->add_option(
      "--state-dir", options->state_dir,
      "Scheduled runs: keep this scan's reports in DIR (one directory per inventory or set of "
      "targets); each run is compared with the last one kept, as with --baseline");
  command
      ->add_option("--keep-runs", options->keep_runs, "With --state-dir: how many reports to keep")
      ->check(CLI::PositiveNumber)
      ->default_val(30);
  state_dir->excludes(baseline)->excludes(base_hba)->excludes(base_ref);
  command->add_option("--evidence-dir", options->evidence.directory,
                      "Write an evidence bundle into DIR (new or empty): the reports in every "
                      "format and manifest.json (who ran what, when, on which host, on which "
                      "inputs, each file's SHA-256); check it with 'pgward evidence verify'");
  command
      ->add_option("--sign-key", options->evidence.sign_key,
                   "With --evidence-dir: sign manifest.json with this private key (PEM, "
                   "unencrypted), a detached CMS signature in manifest.json.p7s")
      ->check(CLI::ExistingFile);
  command
      ->add_option("--sign-cert", options->evidence.sign_cert,
                   "With --sign-key: the key's certificate (PEM), embedded in the signature")
      ->check(CLI::ExistingFile);
  command->add_flag("--fail-on-new", options->fail_on_new,
                    "Only findings new since the baseline, or worse than there (a waiver "
                    "expired, more severe), fail the run (at or above --fail-on)");
  command
      ->add_option("--fail-on", *fail_on,
                   "Lowest severity of a failing finding that makes the exit code 1; never: "
                   "findings never do (scheduled runs), missing evidence still exits 3")
      ->check(CLI::IsMember({"info", "low", "medium", "high", "critical", "never"}))
      ->default_val("high");
  command->add_flag("--reproducible", options->reproducible,
                    "Leave the run's own times, user and host out: the same inputs give the same "
                    "bytes (a snapshot's collection times stay)");
  AddHbaAccessOptions(*command, options->live.hba_access);
  const ReportOutputFlags output = AddReportOutputOptions(*command, options->output);
  command->callback([&action, options, fail_on, output] {
    if (std::optional<std::string> error = FinishReportOutputOptions(output, options->output)) {
      action = [error] { return UsageError(*error, "pgward scan"); };
      return;
    }
    options->fail_on = ParseSeverity(*fail_on);  // "never": none
    options->live.progress = isatty(STDERR_FILENO);
    action = [options] { return RunScan(*options, std::cout, std::cerr); };
  });
}

void AddReportCommands(CLI::App& report, Action& action) {
  CLI::App* merge = report.add_subcommand(
      "merge",
      "Merge the JSON reports of a fleet's shards (scan --shard I/N or --shards N) into the "
      "report one scan of the whole fleet gives, in any format");
  auto options = std::make_shared<ReportMergeOptions>();
  merge->add_option("reports", options->reports, "The shards' JSON reports, one per shard")
      ->required()
      ->check(CLI::ExistingFile);
  const ReportOutputFlags output = AddReportOutputOptions(*merge, options->output);
  merge->callback([&action, options, output] {
    if (std::optional<std::string> error = FinishReportOutputOptions(output, options->output)) {
      action = [error] { return UsageError(*error, "pgward report merge"); };
      return;
    }
    action = [options] { return RunReportMerge(*options, std::cout, std::cerr); };
  });
}

void AddEvidenceCommands(CLI::App& evidence, Action& action) {
  CLI::App* verify = evidence.add_subcommand(
      "verify",
      "Check an evidence bundle (scan --evidence-dir): every file as its manifest says, nothing "
      "added, and the manifest's signature; exit 0 only when all of it holds");
  auto options = std::make_shared<EvidenceVerifyOptions>();
  verify->add_option("DIR", options->directory, "The bundle's directory")
      ->required()
      ->check(CLI::ExistingDirectory);
  verify
      ->add_option("--ca-file", options->ca_file,
                   "CA certificates (PEM) the manifest's signer must chain to")
      ->check(CLI::ExistingFile);
  verify->add_flag("--unsigned", options->unsigned_bundle,
                   "Check the files against the manifest only (an unsigned bundle): nothing "
                   "vouches for the manifest itself");
  verify->callback([&action, options] {
    action = [options] { return RunEvidenceVerify(*options, std::cout, std::cerr); };
  });
}

void AddLogCommands(CLI::App& log, Action& action) {
  CLI::App* summary = log.add_subcommand(
      "summary",
      "Summarise what PostgreSQL server logs say about connections (log_connections = on): "
      "sessions by transport, TLS protocols and suites in use, authentication and TLS failures, "
      "the pg_hba.conf lines used, and who is behind each");
  auto options = std::make_shared<LogSummaryOptions>();
  auto format = std::make_shared<std::string>("text");
  summary
      ->add_option("FILE", options->files,
                   "Server log files in time order (rotated ones first; gzip read as it is; '-': "
                   "standard input)")
      ->required();
  AddLogReadOptions(*summary, options->line_prefix, options->log_format);
  summary->add_option("--since", options->since,
                      "Count entries from this time on (2026-12-03, 2026-12-03 22:00[:00], "
                      "optionally with Z or a numeric offset; UTC otherwise)");
  summary->add_option("--until", options->until, "Count entries before this time (as --since)");
  summary
      ->add_option("--min-tls-version", options->min_tls_version,
                   "Sessions below this protocol are listed with who opened them")
      ->check(CLI::IsMember({"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"}))
      ->default_val("TLSv1.2");
  summary->add_option("--format", *format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->default_val("text");
  summary
      ->add_option("--jobs", options->jobs,
                   "Threads that read stderr and jsonlog logs (csvlog is read on one); 0: one per "
                   "core, at most 4")
      ->check(CLI::Range(0u, 256u))
      ->default_val(0u);
  summary->callback([&action, options, format] {
    options->format =
        *format == "json" ? LogSummaryOptions::Format::kJson : LogSummaryOptions::Format::kText;
    action = [options] { return RunLogSummary(*options, std::cout, std::cerr); };
  });
}

void AddPolicyCommands(CLI::App& policy, Action& action) {
  CLI::App* list = policy.add_subcommand("list", "List the built-in rules and their parameters");
  auto pack = std::make_shared<std::string>("baseline");
  list->add_option("--pack", *pack, "Pack to list (baseline, pci-dss-4.0, cis-postgresql)")
      ->default_val("baseline");
  list->callback(
      [&action, pack] { action = [pack] { return RunPolicyList(*pack, std::cout, std::cerr); }; });

  CLI::App* lint = policy.add_subcommand("lint", "Load policy and pack files, report every error");
  auto files = std::make_shared<std::vector<std::string>>();
  lint->add_option("FILE", *files, "Policy or pack files")->required();
  lint->callback([&action, files] {
    action = [files] { return RunPolicyLint(*files, std::cout, std::cerr); };
  });

  CLI::App* test = policy.add_subcommand(
      "test", "Run the PolicyTest files under DIR (every rule needs a failing and a passing case)");
  auto directory = std::make_shared<std::string>();
  test->add_option("DIR", *directory, "Directory searched for PolicyTest files")->required();
  test->callback([&action, directory] {
    action = [directory] { return RunPolicyTest(*directory, std::cout, std::cerr); };
  });
}

// The deepest subcommand that was named on the command line, for help hints after an error.
std::string CommandPath(const CLI::App& app) {
  std::string path = "pgward";
  const CLI::App* current = &app;
  while (true) {
    const auto chosen = current->get_subcommands();
    if (chosen.empty()) break;
    current = chosen.front();
    path += " " + current->get_name();
  }
  return path;
}

// A word that is not a command is most often a typo of one: say so, with a suggestion,
// instead of CLI11's generic "arguments were not expected".
std::optional<int> CheckCommandWords(const CLI::App& app, int argc, char** argv) {
  const CLI::App* group = &app;
  std::string group_path = "pgward";
  for (int i = 1; i < argc && argv[i][0] != '-' && !group->get_subcommands({}).empty(); ++i) {
    const CLI::App* command = nullptr;
    std::vector<std::string_view> names;
    for (const CLI::App* candidate : group->get_subcommands({})) {
      if (candidate->check_name(argv[i])) command = candidate;
      names.push_back(candidate->get_name());
    }
    if (command == nullptr) {
      std::string message = "unknown command '" + std::string(argv[i]) + "'";
      if (group != &app) message += " for '" + group_path + "'";
      if (auto suggestion = ClosestMatch(argv[i], names)) {
        message += " (did you mean '" + *suggestion + "'?)";
      }
      return UsageError(message, group_path);
    }
    group = command;
    group_path += " " + command->get_name();
  }
  return std::nullopt;
}

// Standard error passes through Printable line by line: the messages on it quote evidence
// (file contents, inventory names, server error texts), whose control characters must not
// drive the terminal. Installed for the duration of one Run().
class PrintableStreambuf : public std::streambuf {
 public:
  explicit PrintableStreambuf(std::ostream& stream) : stream_(stream), target_(stream.rdbuf()) {
    stream_.rdbuf(this);
  }
  ~PrintableStreambuf() override {
    Flush();
    stream_.rdbuf(target_);
  }
  PrintableStreambuf(const PrintableStreambuf&) = delete;
  PrintableStreambuf& operator=(const PrintableStreambuf&) = delete;

 protected:
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    pending_ += traits_type::to_char_type(c);
    if (c == '\n') Flush();
    return c;
  }
  std::streamsize xsputn(const char* text, std::streamsize count) override {
    pending_.append(text, static_cast<std::size_t>(count));
    if (pending_.find('\n') != std::string::npos) Flush();
    return count;
  }
  int sync() override {
    Flush();
    return target_->pubsync();
  }

 private:
  void Flush() {
    if (pending_.empty()) return;
    const std::string safe = reporters::Printable(pending_, true);
    target_->sputn(safe.data(), static_cast<std::streamsize>(safe.size()));
    pending_.clear();
  }

  std::ostream& stream_;
  std::streambuf* target_;
  std::string pending_;
};

}  // namespace

int Run(int argc, char** argv) {
  const PrintableStreambuf printable_stderr(std::cerr);
  CLI::App app{
      "pgward checks PostgreSQL transport security (TLS, pg_hba.conf, live sessions)\n"
      "against declarative policies and reports findings.",
      "pgward"};
  app.set_version_flag("--version", std::string("pgward ") + kVersion,
                       "Print the version and exit");
  app.footer(std::string(kExitCodesHelp));

  Action action;
  // Each top-level command and what it adds to `app`.
  const std::vector<std::string> arguments(argv, argv + argc);
  const std::pair<const char*, std::function<void()>> commands[] = {
      {"scan", [&] { AddScanCommand(app, action, arguments); }},
      {"collect", [&] { AddCollectCommand(app, action); }},
      {"probe", [&] { AddProbeCommand(app, action); }},
      {"hba",
       [&] {
         CLI::App* hba =
             app.add_subcommand("hba", "Read and analyse pg_hba.conf and pg_ident.conf files");
         AddHbaListingCommand(
             *hba, action, "rules",
             "List a file's records as the server's pg_hba_file_rules view of that version shows "
             "them (ldapbindpasswd and radiussecrets masked)",
             "pg_hba.conf file to read ('-': standard input)", RunHbaRules);
         AddHbaListingCommand(
             *hba, action, "ident",
             "List a pg_ident.conf's mappings as the server's pg_ident_file_mappings view of that "
             "version shows them (15's view for 13 and 14, which have none)",
             "pg_ident.conf file to read ('-': standard input)", RunIdentMappings);
         AddHbaExplainCommand(*hba, action);
         AddHbaDiffCommand(*hba, action);
       }},
      {"policy",
       [&] {
         AddPolicyCommands(*app.add_subcommand("policy", "Inspect, lint and test policies"),
                           action);
       }},
      {"report",
       [&] {
         AddReportCommands(*app.add_subcommand("report", "Work with reports pgward wrote"), action);
       }},
      {"log",
       [&] { AddLogCommands(*app.add_subcommand("log", "Read PostgreSQL server logs"), action); }},
      {"evidence",
       [&] {
         AddEvidenceCommands(*app.add_subcommand("evidence", "Check evidence bundles scans wrote"),
                             action);
       }},
  };
  // Only the command named is built when one is: building every command's options took 2.8 M
  // instructions, over a quarter of a run that reads nothing, on each of the many runs a CI job
  // or a scheduled scan makes. Anything else (--help, a typo) sees them all.
  const auto named = std::find_if(std::begin(commands), std::end(commands), [&](const auto& entry) {
    return argc > 1 && arguments[1] == entry.first;
  });
  if (named != std::end(commands)) {
    named->second();
  } else {
    for (const auto& command : commands) command.second();
  }

  if (std::optional<int> error = CheckCommandWords(app, argc, argv)) return *error;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return UsageError(e.what(), CommandPath(app));
  }
  if (action) {
    int code = 0;
    try {
      code = action();
    } catch (const std::bad_alloc&) {
      // Memory ran out (a limit such as `ulimit -v`, below what the --max-* limits let an input
      // take): the run could not finish, and vouches for nothing. Reports being written were
      // removed as the exception passed them.
      std::cerr << "pgward: out of memory: the run could not finish, and nothing it read is "
                   "vouched for\n";
      return ToInt(ExitCode::kIncompleteEvidence);
    }
    // A report or listing that did not reach standard output (a full disk, a closed pipe) is
    // an error, whatever the scan found.
    errno = 0;
    std::cout.flush();
    if (!std::cout) {
      std::cerr << "pgward: cannot write to standard output"
                << (errno != 0 ? std::string(": ") + std::strerror(errno) : std::string()) << "\n";
      return ToInt(ExitCode::kUsageOrInputError);
    }
    return code;
  }
  // Parsing succeeded without a leaf command: a group, or nothing, was named alone.
  return UsageError("a command is required", CommandPath(app));
}

}  // namespace pgward::cli
