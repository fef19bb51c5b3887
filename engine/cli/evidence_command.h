#pragma once

// Evidence bundles (PCI DSS evidence for assessors): `scan --evidence-dir DIR` writes the run's
// reports and a manifest of what it read and wrote, signed with --sign-key and --sign-cert;
// `pgward evidence verify DIR` tells whether anything changed since.

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "engine/evidence/manifest.h"
#include "engine/findings/report.h"

namespace pgward::cli {

struct EvidenceOptions {
  std::string directory;  // empty: no bundle
  std::string sign_key;   // PEM, unencrypted; with sign_cert
  std::string sign_cert;
};

// Before a scan: the bundle's directory is new, or empty (a bundle never mixes two runs), and a
// signing key comes with its certificate. An error message, or nullopt.
std::optional<std::string> CheckEvidenceOptions(const EvidenceOptions& options);

// After a scan: its reports in every format, requirements.json, the crypto inventory of its
// facts, manifest.json and, when signing, its signature.
std::optional<std::string> WriteEvidenceBundle(const ScanReport& report, const FactSet& facts,
                                               const std::vector<evidence::PackVersion>& packs,
                                               const EvidenceOptions& options);

struct EvidenceVerifyOptions {
  std::string directory;
  std::string ca_file;  // the signer's certificate must chain to one of these
};

// Exit 0 when every file is as the manifest says and its signature (if any; required with
// --ca-file) holds; 1 when not, naming what differs; 2 when the bundle cannot be read.
int RunEvidenceVerify(const EvidenceVerifyOptions& options, std::ostream& out, std::ostream& err);

}  // namespace pgward::cli
