#include "engine/cli/cli.h"

#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/exit_code.h"
#include "engine/core/suggest.h"
#include "pgward/version.h"

namespace pgward::cli {
namespace {

constexpr std::string_view kExitCodesHelp =
    "Exit codes:\n"
    "  0  no failing finding at or above the --fail-on threshold\n"
    "  1  failing findings at or above the threshold\n"
    "  2  usage or input error (bad flag, unreadable or invalid input, unimplemented command)\n"
    "  3  incomplete evidence: something could not be collected or read (never a silent pass)\n";

// A command whose name is part of the product but whose work lands in a later release.
// Extra arguments are accepted so that `pgward scan --target ...` reports the missing command,
// not a confusing flag error.
CLI::App* AddPlannedCommand(CLI::App& parent, const std::string& name,
                            const std::string& description) {
  CLI::App* command = parent.add_subcommand(name, description + " [not implemented yet]");
  command->allow_extras();
  return command;
}

int NotImplemented(const CLI::App& command) {
  std::string path = command.get_name();
  for (const CLI::App* parent = command.get_parent(); parent != nullptr && parent->get_parent();
       parent = parent->get_parent()) {
    path = parent->get_name() + " " + path;
  }
  std::cerr << "pgward: '" << path << "' is not implemented in pgward " << kVersion << "\n"
            << "Run 'pgward --help' to see what this version can do.\n";
  return ToInt(ExitCode::kUsageOrInputError);
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

int UsageError(const std::string& message, const std::string& hint_command) {
  std::cerr << "pgward: " << message << "\n"
            << "Run '" << hint_command << " --help' for usage.\n";
  return ToInt(ExitCode::kUsageOrInputError);
}

}  // namespace

int Run(int argc, char** argv) {
  CLI::App app{
      "pgward checks PostgreSQL transport security (TLS, pg_hba.conf, live sessions)\n"
      "against declarative policies and reports findings.",
      "pgward"};
  app.set_version_flag("--version", std::string("pgward ") + kVersion,
                       "Print the version and exit");
  app.footer(std::string(kExitCodesHelp));

  CLI::App* scan = AddPlannedCommand(
      app, "scan", "Collect evidence (hba files, servers, snapshots) and evaluate policies");
  CLI::App* collect =
      AddPlannedCommand(app, "collect", "Collect live evidence from servers into a snapshot");
  CLI::App* probe = AddPlannedCommand(
      app, "probe", "Probe a server's TLS: versions, cipher suites, certificate chain");

  CLI::App* hba = app.add_subcommand("hba", "Read and analyse pg_hba.conf files");
  CLI::App* hba_rules = AddPlannedCommand(
      *hba, "rules", "List a file's records as the server's pg_hba_file_rules shows them");
  CLI::App* hba_explain = AddPlannedCommand(
      *hba, "explain", "Show which hba line the server would use for a connection");

  CLI::App* policy = app.add_subcommand("policy", "Inspect, lint and test policies");
  CLI::App* policy_list = AddPlannedCommand(*policy, "list", "List the built-in rule catalog");
  CLI::App* policy_lint = AddPlannedCommand(*policy, "lint", "Validate policy files");
  CLI::App* policy_test =
      AddPlannedCommand(*policy, "test", "Run policy unit tests from a directory");

  // A word that is not a command is most often a typo of one: say so, with a suggestion,
  // instead of CLI11's generic "arguments were not expected".
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

  // Checked here rather than with require_subcommand, which CLI11 reports before unknown flags.
  if (app.get_subcommands().empty()) return UsageError("a command is required", "pgward");
  for (CLI::App* group_command : {hba, policy}) {
    if (group_command->parsed() && group_command->get_subcommands().empty()) {
      return UsageError("a command is required", "pgward " + group_command->get_name());
    }
  }
  for (CLI::App* planned :
       {scan, collect, probe, hba_rules, hba_explain, policy_list, policy_lint, policy_test}) {
    if (planned->parsed()) return NotImplemented(*planned);
  }
  // Every leaf command is handled above; reaching here means a command was added without one.
  return ToInt(ExitCode::kUsageOrInputError);
}

}  // namespace pgward::cli
