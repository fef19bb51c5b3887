#include "engine/cli/cli.h"

#include <CLI/CLI.hpp>

#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/cli/hba_rules_command.h"
#include "engine/core/exit_code.h"
#include "engine/core/suggest.h"
#include "engine/hba/parser.h"
#include "pgward/version.h"

namespace pgward::cli {
namespace {

constexpr std::string_view kExitCodesHelp =
    "Exit codes:\n"
    "  0  no failing finding at or above the --fail-on threshold\n"
    "  1  failing findings at or above the threshold\n"
    "  2  usage or input error (bad flag, unreadable or invalid input, unimplemented command)\n"
    "  3  incomplete evidence: something could not be collected or read (never a silent pass)\n";

// What the chosen command does: set by its CLI11 callback once the whole line parsed.
using Action = std::function<int()>;

std::string CommandName(const CLI::App& command) {
  std::string path = command.get_name();
  for (const CLI::App* parent = command.get_parent(); parent != nullptr && parent->get_parent();
       parent = parent->get_parent()) {
    path = parent->get_name() + " " + path;
  }
  return path;
}

// A command whose name is part of the product but whose work lands in a later release.
// Extra arguments are accepted so that `pgward scan --target ...` reports the missing command,
// not a confusing flag error.
void AddPlannedCommand(CLI::App& parent, const std::string& name, const std::string& description,
                       Action& action) {
  CLI::App* command = parent.add_subcommand(name, description + " [not implemented yet]");
  command->allow_extras();
  command->callback([&action, command] {
    action = [command] {
      std::cerr << "pgward: '" << CommandName(*command) << "' is not implemented in pgward "
                << kVersion << "\n"
                << "Run 'pgward --help' to see what this version can do.\n";
      return ToInt(ExitCode::kUsageOrInputError);
    };
  });
}

void AddHbaRulesCommand(CLI::App& hba, Action& action) {
  CLI::App* command = hba.add_subcommand(
      "rules",
      "List a file's records as the server's pg_hba_file_rules view of that version shows them "
      "(ldapbindpasswd and radiussecrets masked)");
  auto options = std::make_shared<HbaRulesOptions>();
  auto format = std::make_shared<std::string>("table");
  command
      ->add_option("--pg-version", options->pg_version,
                   "PostgreSQL major version whose parser and view to follow")
      ->check(CLI::Range(hba::kOldestPgVersion, hba::kNewestPgVersion))
      ->default_val(hba::kDefaultPgVersion);
  command->add_option("--format", *format, "Output format")
      ->check(CLI::IsMember({"table", "json"}))
      ->default_val("table");
  command->add_option("FILE", options->file, "pg_hba.conf file to read")->required();
  command->callback([&action, options, format] {
    options->format =
        *format == "json" ? HbaRulesOptions::Format::kJson : HbaRulesOptions::Format::kTable;
    action = [options] { return RunHbaRules(*options, std::cout, std::cerr); };
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

int UsageError(const std::string& message, const std::string& hint_command) {
  std::cerr << "pgward: " << message << "\n"
            << "Run '" << hint_command << " --help' for usage.\n";
  return ToInt(ExitCode::kUsageOrInputError);
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

}  // namespace

int Run(int argc, char** argv) {
  CLI::App app{
      "pgward checks PostgreSQL transport security (TLS, pg_hba.conf, live sessions)\n"
      "against declarative policies and reports findings.",
      "pgward"};
  app.set_version_flag("--version", std::string("pgward ") + kVersion,
                       "Print the version and exit");
  app.footer(std::string(kExitCodesHelp));

  Action action;
  AddPlannedCommand(app, "scan",
                    "Collect evidence (hba files, servers, snapshots) and evaluate policies",
                    action);
  AddPlannedCommand(app, "collect", "Collect live evidence from servers into a snapshot", action);
  AddPlannedCommand(app, "probe",
                    "Probe a server's TLS: versions, cipher suites, certificate chain", action);

  CLI::App* hba = app.add_subcommand("hba", "Read and analyse pg_hba.conf files");
  AddHbaRulesCommand(*hba, action);
  AddPlannedCommand(*hba, "explain", "Show which hba line the server would use for a connection",
                    action);

  CLI::App* policy = app.add_subcommand("policy", "Inspect, lint and test policies");
  AddPlannedCommand(*policy, "list", "List the built-in rule catalog", action);
  AddPlannedCommand(*policy, "lint", "Validate policy files", action);
  AddPlannedCommand(*policy, "test", "Run policy unit tests from a directory", action);

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
  if (action) return action();
  // Parsing succeeded without a leaf command: a group, or nothing, was named alone.
  return UsageError("a command is required", CommandPath(app));
}

}  // namespace pgward::cli
