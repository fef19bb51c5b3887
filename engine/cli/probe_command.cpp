#include "engine/cli/probe_command.h"

#include <fstream>
#include <ostream>

#include "engine/core/exit_code.h"
#include "engine/probe/endpoint.h"
#include "engine/probe/prober.h"
#include "reporters/probe_report.h"

namespace pgward::cli {
namespace {

constexpr int kMaxConcurrency = 64;
constexpr int kMaxTimeoutMs = 600'000;

int UsageError(const std::string& message, std::ostream& err) {
  err << "pgward probe: " << message << "\n";
  return ToInt(ExitCode::kUsageOrInputError);
}

}  // namespace

int RunProbeCommand(const ProbeCommandOptions& options, std::ostream& out, std::ostream& err) {
  const probe::Expected<probe::Endpoint> endpoint = probe::ParseEndpoint(options.target);
  if (!endpoint) return UsageError(endpoint.error().message, err);
  if (options.concurrency < 1 || options.concurrency > kMaxConcurrency) {
    return UsageError("--concurrency must be from 1 to " + std::to_string(kMaxConcurrency), err);
  }
  if (options.timeout_ms < 1 || options.timeout_ms > kMaxTimeoutMs) {
    return UsageError("--timeout-ms must be from 1 to " + std::to_string(kMaxTimeoutMs), err);
  }
  if (!options.ca_file.empty() && !std::ifstream(options.ca_file).good()) {
    return UsageError("cannot read CA file " + options.ca_file, err);
  }

  probe::ProbeOptions probe_options{
      .host = endpoint->host,
      .port = endpoint->port,
      .start = options.direct ? probe::TlsStart::kDirect : probe::TlsStart::kSslRequest,
      .concurrency = options.concurrency,
      .timeout = std::chrono::milliseconds(options.timeout_ms)};
  if (!options.sni.empty()) probe_options.server_name = options.sni;
  if (!options.ca_file.empty()) probe_options.ca_file = options.ca_file;

  const probe::ProbeResult result = probe::Probe(probe_options);
  // A CA file that exists but holds no certificate is the caller's input, not the server's.
  if (result.error.has_value() && result.error->kind == probe::ErrorKind::kInvalidArgument) {
    return UsageError(result.error->message, err);
  }
  if (options.format == ProbeCommandOptions::Format::kJson) {
    reporters::WriteProbeJson(result, out);
  } else {
    reporters::WriteProbeText(result, out);
  }
  if (result.error.has_value()) {
    err << "pgward probe: " << result.error->message << "\n";
    return ToInt(ExitCode::kIncompleteEvidence);
  }
  if (!result.complete()) {
    err << "pgward probe: incomplete: some facts could not be determined (see the report)\n";
    return ToInt(ExitCode::kIncompleteEvidence);
  }
  return ToInt(ExitCode::kOk);
}

}  // namespace pgward::cli
