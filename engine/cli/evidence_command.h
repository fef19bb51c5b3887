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
#include "engine/model/collection.h"

namespace pgward::cli {

struct EvidenceOptions {
  std::string directory;  // empty: no bundle
  std::string sign_key;   // PEM, unencrypted; with sign_cert
  std::string sign_cert;
};

// Before a scan: the bundle's directory is new, or empty (a bundle never mixes two runs), none of
// the run's other reports (`report_paths`) goes into it, and a signing key comes with its
// certificate and can sign. An error message, or nullopt.
std::optional<std::string> CheckEvidenceOptions(const EvidenceOptions& options,
                                                const std::vector<std::string>& report_paths);

// After a scan: its reports in every format, the snapshot of its servers (every fact collected,
// with when; none when it scanned no server), requirements.json, the crypto inventory of its
// facts, manifest.json and, when signing, its signature.
// `run`: when the run started and ended (UTC), which its reports leave out with --reproducible.
struct RunTimes {
  std::string started_at, finished_at;
};
std::optional<std::string> WriteEvidenceBundle(const ScanReport& report, const Evidence& servers,
                                               const FactSet& facts,
                                               const std::vector<evidence::PackVersion>& packs,
                                               const RunTimes& run, const EvidenceOptions& options);

struct EvidenceVerifyOptions {
  std::string directory;
  std::string ca_file;           // the signer's certificate must chain to one of these
  bool unsigned_bundle = false;  // --unsigned: the files against the manifest only
};

// Exit 0 when every file is as the manifest says and, with --ca-file, the manifest's signature
// holds and its signer chains to the CA; 1 when not, naming what differs; 2 for a bundle that
// cannot be read, or neither --ca-file nor --unsigned (a bundle whose manifest nothing vouches
// for passes only when that is asked for).
int RunEvidenceVerify(const EvidenceVerifyOptions& options, std::ostream& out, std::ostream& err);

}  // namespace pgward::cli
