#include "reporters/sarif_report.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <new>
#include <optional>
#include <set>
#include <streambuf>
#include <string_view>
#include <unordered_map>

#include <zlib.h>

#include "engine/core/handoff.h"
#include "pgward/version.h"
#include "reporters/atomic_file.h"
#include "reporters/json_writer.h"
#include "reporters/source_path.h"

namespace pgward::reporters {
namespace {

using Json = nlohmann::ordered_json;
using Compliance = std::map<std::string, std::vector<std::string>>;

// The final OASIS schema: the SARIF Multitool asks for this one (SARIF2008).
constexpr const char* kSchemaUri =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
constexpr const char* kSourceRootId = "SRCROOT";
constexpr const char* kFingerprintKey = "pgward/v1";
// GitHub's limits: rule names, descriptions and tags beyond them are cut or ignored.
constexpr size_t kMaxRuleName = 255;
constexpr size_t kMaxDescription = 1024;
constexpr size_t kMaxTags = 20;
// GitHub code scanning rejects a whole upload past these ("SARIF support for code scanning"):
// 25,000 results per run and 10 MB of gzip-compressed SARIF. Every result has one location, far
// below the 1,000 allowed.
constexpr size_t kMaxResults = 25000;
constexpr size_t kMaxGzipBytes = 10'000'000;
// Gzip cannot make a document of up to this size larger than kMaxGzipBytes: zlib's deflateBound
// adds at most about 3 KB to 10 MB, and gzip's framing 18 bytes. Such a document is not measured.
constexpr size_t kUnmeasuredBytes = kMaxGzipBytes - 4096;

const char* Level(Severity severity) {
  switch (severity) {
    case Severity::kCritical:
    case Severity::kHigh:
      return "error";
    case Severity::kMedium:
      return "warning";
    case Severity::kLow:
    case Severity::kInfo:
      return "note";
  }
  return "note";
}

// GitHub ranks security alerts by this score (as a string): > 9.0 critical, 7.0-8.9 high,
// 4.0-6.9 medium, 0.1-3.9 low. Info has none: GitHub then falls back to the level.
const char* SecuritySeverity(Severity severity) {
  switch (severity) {
    case Severity::kCritical:
      return "9.5";
    case Severity::kHigh:
      return "8.0";
    case Severity::kMedium:
      return "5.5";
    case Severity::kLow:
      return "3.0";
    case Severity::kInfo:
      return nullptr;
  }
  return nullptr;
}

// Cuts at a UTF-8 character boundary so that the text stays valid.
std::string Truncate(const std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes - 3;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end) + "...";
}

// GitHub takes a message's first sentence as the alert title; SARIF asks for full sentences.
std::string Sentence(std::string text) {
  if (text.empty()) return text;
  const char last = text.back();
  if (last != '.' && last != '!' && last != '?') text += '.';
  return text;
}

// SARIF rule names are identifiers: "Plaintext TCP connection" -> "PlaintextTCPConnection".
std::string PascalCase(const std::string& title, const std::string& fallback) {
  std::string name;
  bool word_start = true;
  for (char c : title.empty() ? fallback : title) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum) {
      word_start = true;
      continue;
    }
    name += (word_start && c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    word_start = false;
  }
  return name.substr(0, kMaxRuleName);
}

// A stable, short identity for the scanned targets (FNV-1a, 64 bits): it keeps two SARIF files
// of one commit (say, the pg_hba.conf files and the live servers) in separate GitHub categories.
std::string TargetsDigest(const std::vector<std::string>& targets) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const std::string& target : targets) {
    for (char c : target + '\n') {
      hash ^= static_cast<unsigned char>(c);
      hash *= 0x100000001b3ULL;
    }
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return hex;
}

// Turns the report's file paths into artifact locations: relative to the source root (GitHub
// needs paths from the repository root), absolute file: URIs for files outside it. Purely
// lexical, so that rendering reads nothing from the disk.
class ArtifactLocator {
 public:
  ArtifactLocator(const ScanReport& report, const std::string& source_root)
      : files_(report, source_root) {
    for (size_t i = 0; i < report.artifacts.size(); ++i) {
      artifact_indexes_.emplace(report.artifacts[i].path, i);
    }
  }
  // Not copied: last_ points into its own cache.
  ArtifactLocator(const ArtifactLocator&) = delete;
  ArtifactLocator& operator=(const ArtifactLocator&) = delete;

  std::string RootUri() const {
    std::string path = files_.root().generic_string();
    if (path.empty() || path.back() != '/') path += '/';
    return "file://" + PercentEncode(path);
  }

  // Where a file is: its uri, whether it is under the source root (uriBaseId), and its index
  // in the run's artifacts.
  struct Located {
    std::string uri;
    bool under_root = false;
    std::optional<size_t> artifact;  // its index in the run's artifacts, if it is one
  };

  // A local file under the root by its path from there, another local file by its file URI, and
  // what is no local file (a server's own pg_hba.conf) as a relative reference of its name.
  // A rule's findings of one file follow each other: the last file's answer is kept at hand.
  const Located& Locate(const std::string& file) {
    if (last_ != nullptr && last_->first == file) return last_->second;
    auto [entry, inserted] = cache_.try_emplace(file);
    last_ = &*entry;
    if (!inserted) return entry->second;
    if (const std::optional<std::string> relative = files_.UnderRoot(file)) {
      entry->second = {PercentEncode(*relative), true, std::nullopt};
    } else if (files_.IsLocal(file)) {
      entry->second = {"file://" + PercentEncode(AbsolutePath(file).generic_string()), false,
                       std::nullopt};
    } else {
      entry->second = {PercentEncode(file), false, std::nullopt};
    }
    if (const auto artifact = artifact_indexes_.find(file); artifact != artifact_indexes_.end()) {
      entry->second.artifact = artifact->second;
    }
    return entry->second;
  }

  // The artifactLocation object's members, written into an open object; with `index`, the
  // artifact's index when the file is one.
  void WriteMembers(JsonWriter& json, const std::string& file, bool index) {
    const Located& located = Locate(file);
    json.Member("uri", located.uri);
    if (located.under_root) {
      json.Member("uriBaseId", kSourceRootId);
    }
    if (index && located.artifact) {
      json.IntMember("index", static_cast<std::int64_t>(*located.artifact));
    }
  }

 private:
  SourceFiles files_;
  std::map<std::string, size_t> artifact_indexes_;  // the first of each path
  std::unordered_map<std::string, Located> cache_;
  const std::pair<const std::string, Located>* last_ = nullptr;
};

// The compliance frameworks of the rules and findings as SARIF taxonomies, each control id a
// taxon; indexes follow the sorted order.
class Taxonomies {
 public:
  explicit Taxonomies(const ScanReport& report) : declared_(report.frameworks) {
    std::map<std::string, std::set<std::string>> ids;
    auto add = [&ids](const Compliance& compliance) {
      for (const auto& [framework, controls] : compliance) {
        ids[framework].insert(controls.begin(), controls.end());
      }
    };
    for (const RuleInfo& rule : report.rules) add(rule.compliance);
    for (auto& [framework, controls] : ids) {
      Framework entry{frameworks_.size(), {}};
      for (const std::string& control : controls) entry.taxa.emplace(control, entry.taxa.size());
      frameworks_.emplace(framework, std::move(entry));
    }
  }

  Json ToJson() const {
    Json taxonomies = Json::array();
    for (const auto& [name, framework] : frameworks_) {
      Json taxonomy = Metadata(name);
      Json taxa = Json::array();
      for (const auto& [id, index] : framework.taxa) taxa.push_back(Json{{"id", id}});
      taxonomy["taxa"] = std::move(taxa);
      taxonomies.push_back(std::move(taxonomy));
    }
    return taxonomies;
  }

  Json SupportedTaxonomies() const {
    Json references = Json::array();
    for (const auto& [name, framework] : frameworks_) {
      references.push_back(Json{{"name", name}, {"index", framework.index}});
    }
    return references;
  }

  Json Relationships(const Compliance& compliance) const {
    Json relationships = Json::array();
    for (const auto& [name, controls] : compliance) {
      const Framework& framework = frameworks_.at(name);
      for (const std::string& control : controls) {
        relationships.push_back(
            Json{{"target",
                  {{"id", control},
                   {"index", framework.taxa.at(control)},
                   {"toolComponent", {{"name", name}, {"index", framework.index}}}}},
                 {"kinds", {"relevant"}}});
      }
    }
    return relationships;
  }

 private:
  struct Framework {
    size_t index;
    std::map<std::string, size_t> taxa;
  };

  // The framework as its policy declares it; an undeclared one keeps its id only.
  Json Metadata(const std::string& name) const {
    Json taxonomy{{"name", name}};
    const auto declared = std::ranges::find(declared_, name, &FrameworkInfo::id);
    if (declared != declared_.end()) {
      if (!declared->title.empty()) taxonomy["fullName"] = declared->title;
      if (!declared->version.empty()) taxonomy["version"] = declared->version;
      if (!declared->organization.empty()) taxonomy["organization"] = declared->organization;
    }
    taxonomy["shortDescription"] =
        Json{{"text", "Compliance controls (" + name + ") that pgward's rules map to."}};
    taxonomy["isComprehensive"] = false;
    return taxonomy;
  }

  const std::vector<FrameworkInfo>& declared_;
  std::map<std::string, Framework> frameworks_;
};

std::string ComplianceText(const Compliance& compliance, bool markdown) {
  std::string text;
  for (const auto& [framework, controls] : compliance) {
    if (!text.empty()) text += "; ";
    text += markdown ? "`" + framework + "`" : framework;
    for (size_t i = 0; i < controls.size(); ++i) text += (i == 0 ? " " : ", ") + controls[i];
  }
  return text;
}

Json RuleJson(const RuleInfo& rule, const Taxonomies& taxonomies) {
  const std::string description = rule.description.empty() ? rule.title : rule.description;
  std::string text = description, markdown = description;
  if (!rule.remediation.empty()) {
    text += "\n\nRemediation: " + rule.remediation;
    markdown += "\n\n**Remediation:** " + rule.remediation;
  }
  if (!rule.compliance.empty()) {
    text += "\n\nCompliance: " + ComplianceText(rule.compliance, false);
    markdown += "\n\n**Compliance:** " + ComplianceText(rule.compliance, true);
  }
  if (!rule.references.empty()) {
    text += "\n\nReferences:";
    markdown += "\n\n**References:**";
    for (const std::string& reference : rule.references) {
      text += "\n- " + reference;
      markdown += "\n- <" + reference + ">";
    }
  }
  Json tags = Json::array();
  std::set<std::string> seen;
  for (const std::string& tag :
       {std::string("security"), std::string("postgresql"), rule.target, rule.policy}) {
    if (!tag.empty() && seen.insert(tag).second) tags.push_back(tag);
  }
  for (const auto& [framework, controls] : rule.compliance) {
    if (tags.size() < kMaxTags && seen.insert(framework).second) tags.push_back(framework);
  }
  Json properties{{"tags", std::move(tags)}, {"precision", "high"}};
  // GitHub reads security-severity from the rule only, never from a result: the worst a variant
  // gives, so that an alert of it is not shown below what it is (a result's level is its own).
  Severity worst = rule.severity;
  for (const Severity severity : rule.variant_severities) worst = std::max(worst, severity);
  if (const char* score = SecuritySeverity(worst)) properties["security-severity"] = score;
  properties["severity"] = SeverityName(rule.severity);

  Json json{{"id", rule.id},
            {"name", PascalCase(rule.title, rule.id)},
            {"shortDescription",
             {{"text", Truncate(rule.title.empty() ? rule.id : rule.title, kMaxDescription)}}},
            {"fullDescription", {{"text", Truncate(Sentence(description), kMaxDescription)}}},
            {"help", {{"text", text}, {"markdown", markdown}}}};
  if (!rule.references.empty() && rule.references.front().starts_with("https://")) {
    json["helpUri"] = rule.references.front();
  }
  json["defaultConfiguration"] = Json{{"level", Level(rule.severity)}};
  json["properties"] = std::move(properties);
  Json relationships = taxonomies.Relationships(rule.compliance);
  if (!relationships.empty()) json["relationships"] = std::move(relationships);
  return json;
}

// The results a run lists, and per rule how many it leaves out past GitHub's limits.
struct ResultPlan {
  struct Folded {
    const Finding* first = nullptr;  // the first left out, in report order: where it points
    size_t count = 0;
  };
  std::vector<const Finding*> listed;         // in report order: findings, then absent ones
  std::map<std::string_view, Folded> folded;  // by rule id
  size_t left_out = 0;
};

// At most `max_results` results, the most severe kept (GitHub too shows the most severe first),
// and one more per rule for those left out. Of the findings of the least severe level kept, the
// first in report order are kept: what a stable sort by severity would keep, in one pass.
ResultPlan PlanResults(const std::vector<const Finding*>& candidates, size_t max_results) {
  ResultPlan plan;
  if (candidates.size() <= max_results) {
    plan.listed = candidates;
    return plan;
  }
  std::unordered_map<std::string_view, ResultPlan::Folded> by_rule;
  std::array<size_t, kSeverityCount> per_severity{};
  for (const Finding* finding : candidates) {
    by_rule.try_emplace(finding->rule_id);
    ++per_severity[static_cast<size_t>(finding->severity)];
  }
  size_t keep = max_results > by_rule.size() ? max_results - by_rule.size() : 0;
  // Every finding above `threshold` is kept, and the first `threshold_quota` of its level.
  size_t threshold = 0, threshold_quota = 0;
  for (size_t level = kSeverityCount; level-- > 0;) {
    if (per_severity[level] > keep) {
      threshold = level;
      threshold_quota = keep;
      break;
    }
    keep -= per_severity[level];
  }
  plan.listed.reserve(max_results);
  for (const Finding* finding : candidates) {
    const size_t level = static_cast<size_t>(finding->severity);
    if (level > threshold || (level == threshold && threshold_quota > 0)) {
      if (level == threshold) --threshold_quota;
      plan.listed.push_back(finding);
      continue;
    }
    ResultPlan::Folded& folded = by_rule[finding->rule_id];
    if (!folded.first) folded.first = finding;
    ++folded.count;
    ++plan.left_out;
  }
  for (const auto& [rule_id, folded] : by_rule) {
    if (folded.count > 0) plan.folded.emplace(rule_id, folded);
  }
  return plan;
}

// What GitHub's limits left out, for the run's notifications and the caller's warnings.
std::string FoldingNote(const ResultPlan& plan, size_t candidates) {
  return "SARIF: " + std::to_string(plan.left_out) + " of " + std::to_string(candidates) +
         " results left out, the most severe kept: GitHub code scanning rejects a run of more "
         "than 25,000 results or 10 MB gzip-compressed; each rule with results left out has one "
         "more result that counts them; the JSON report lists every finding";
}

constexpr size_t kGzipFraming = 18;  // a 10-byte header, CRC-32 and size (RFC 1952)

// Deflate at its fastest level, counting what it makes: an upper bound of what the default level
// (gzip's, the upload tools') makes of the same bytes.
class Deflater {
 public:
  // Raw deflate: gzip's header and trailer (kGzipFraming) are counted, not computed. zlib fails
  // to start only for want of memory: then a size of 0 would let any document pass for one that
  // fits.
  Deflater() {
    if (deflateInit2(&stream_, Z_BEST_SPEED, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      throw std::bad_alloc();
    }
  }
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;
  ~Deflater() { deflateEnd(&stream_); }

  // Z_NO_FLUSH, or Z_SYNC_FLUSH to end a block on a byte: compressed() then counts every byte
  // given so far.
  void Deflate(std::string_view bytes, int flush) {
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    stream_.avail_in = static_cast<uInt>(bytes.size());
    int status = Z_OK;
    do {
      stream_.next_out = scratch_;
      stream_.avail_out = sizeof(scratch_);
      status = deflate(&stream_, flush);
      compressed_ += sizeof(scratch_) - stream_.avail_out;
    } while (stream_.avail_out == 0 || (flush == Z_FINISH && status == Z_OK));
  }
  size_t compressed() const { return compressed_; }
  // The size of everything given, compressed, with gzip's framing; once.
  size_t Finish() {
    Deflate({}, Z_FINISH);
    return compressed_ + kGzipFraming;
  }

 private:
  z_stream stream_{};
  Bytef scratch_[64 * 1024];
  size_t compressed_ = 0;
};

// The size gzip would make of the bytes it is given, compressed on a thread of its own while the
// document is being made (Deflater). It holds a few pieces of a megabyte, whatever the size.
class GzipMeter {
 public:
  GzipMeter() = default;
  GzipMeter(const GzipMeter&) = delete;
  GzipMeter& operator=(const GzipMeter&) = delete;

  void Add(std::string_view bytes) {
    next_.assign(bytes);
    next_ = compressing_.Give(std::move(next_));
  }

  // The size of everything added, compressed; once.
  size_t Finish() {
    compressing_.Finish();
    return deflater_.Finish();
  }

 private:
  static constexpr size_t kMostPending = 3;

  Deflater deflater_;
  std::string next_;
  // Last: its thread, which uses the deflater, is stopped first.
  Handoff<std::string> compressing_{
      [this](std::string& piece) { deflater_.Deflate(piece, Z_NO_FLUSH); }, kMostPending};
};

// A stream's bytes kept in memory up to a cap; past it, only their number and the size gzip would
// make of them are kept: a small report is written once, a larger one made again to be written.
// The cap is small (a megabyte): copying a document of megabytes into memory, as it grows, costs
// more than making it a second time.
class MeasuredDocument : public std::streambuf {
 public:
  explicit MeasuredDocument(size_t cap) : cap_(cap) { text_.reserve(cap_); }

  bool overflowed() const { return meter_ != nullptr; }
  size_t size() const { return size_; }
  const std::string& text() const { return text_; }
  // Once overflowed: the gzip-compressed size of everything written.
  size_t GzipSize() { return meter_->Finish(); }

 protected:
  std::streamsize xsputn(const char* data, std::streamsize size) override {
    const size_t length = static_cast<size_t>(size);
    size_ += length;
    if (!meter_ && text_.size() + length <= cap_) {
      text_.append(data, length);
      return size;
    }
    if (!meter_) {
      meter_ = std::make_unique<GzipMeter>();
      meter_->Add(text_);
      std::string().swap(text_);
    }
    meter_->Add({data, length});
    return size;
  }
  int_type overflow(int_type c) override {
    if (c == traits_type::eof()) return traits_type::not_eof(c);
    const char byte = traits_type::to_char_type(c);
    xsputn(&byte, 1);
    return c;
  }

 private:
  size_t cap_;
  size_t size_ = 0;
  std::string text_;
  std::unique_ptr<GzipMeter> meter_;
};

// A document's bytes on their way to a report file, counted: the file is written once, and again
// only when it does not fit.
class MeteredFile : public std::streambuf {
 public:
  explicit MeteredFile(RewindableBuffer& file) : file_(file) {}

  size_t size() const { return size_; }

  // Once size() is past kUnmeasuredBytes: a size within kMaxGzipBytes when the document is known
  // to fit, else its size compressed whole (Deflater's, as standard output measures it); nullopt
  // when the file cannot be read back.
  std::optional<size_t> GzipSizeBound() {
    // The file is read back and compressed from its start only until the document is known to
    // fit: its first bytes compressed, a block ended on a byte, then the rest stored as it is
    // (deflate's stored blocks, 5 bytes each per 65,535) make a gzip stream of the whole no
    // larger than the bound, and gzip at its default level does better than either part (the
    // assumption Deflater already rests on). A document a little past the limit is known to fit
    // after a few hundred kilobytes, where compressing ten megabytes took 50 ms.
    {
      Deflater deflater;
      std::optional<size_t> bound;
      size_t taken = 0, since_check = 0;
      const auto stored = [](size_t bytes) { return bytes + 5 * (bytes / 65535 + 2); };
      const bool read = file_.ReadBack([&](std::string_view piece) {
        taken += piece.size();
        since_check += piece.size();
        if (since_check < kCheckEveryBytes && taken < size_) {
          deflater.Deflate(piece, Z_NO_FLUSH);
          return true;
        }
        since_check = 0;
        deflater.Deflate(piece, Z_SYNC_FLUSH);
        const size_t whole = deflater.compressed() + stored(size_ - taken) + kGzipFraming;
        if (whole <= kMaxGzipBytes) bound = whole;
        return !bound;
      });
      if (!read) return std::nullopt;
      if (bound) return bound;
    }
    // Too large: measured again as standard output is measured, without the blocks ended for the
    // bound (which move with every byte before them), so that a document cut to fit is cut alike
    // wherever it goes. Rare, and the document is then written again anyway. (Blocks ended only
    // add bytes: a document the bound lets through fits by that measure too.)
    Deflater deflater;
    const bool read = file_.ReadBack([&](std::string_view piece) {
      deflater.Deflate(piece, Z_NO_FLUSH);
      return true;
    });
    if (!read) return std::nullopt;
    return deflater.Finish();
  }

 protected:
  std::streamsize xsputn(const char* data, std::streamsize size) override {
    const std::streamsize written = file_.sputn(data, size);
    size_ += static_cast<size_t>(written);
    return written;
  }
  int_type overflow(int_type c) override {
    if (c == traits_type::eof()) return traits_type::not_eof(c);
    const char byte = traits_type::to_char_type(c);
    return xsputn(&byte, 1) == 1 ? c : traits_type::eof();
  }

 private:
  static constexpr size_t kCheckEveryBytes = 256 * 1024;

  RewindableBuffer& file_;
  size_t size_ = 0;
};

class RunBuilder {
 public:
  RunBuilder(const ScanReport& report, const SarifOptions& options, const ResultPlan& plan,
             const std::optional<std::string>& folding_note)
      : report_(report),
        options_(options),
        plan_(plan),
        folding_note_(folding_note),
        locator_(report, options.source_root),
        taxonomies_(report) {
    for (size_t i = 0; i < report.rules.size(); ++i) rule_index_.emplace(report.rules[i].id, i);
  }

  // The run's category in GitHub code scanning: results of one category replace the previous
  // upload's. --sarif-category names it; else a digest of the targets as the run locates them,
  // so that db/pg_hba.conf and ./db/pg_hba.conf are one category, not two whose old alerts
  // never close.
  std::string AutomationId() {
    if (!options_.category.empty()) return options_.category + "/";
    // A file under the source root by its path from there, however the command line wrote it;
    // anything else (a server, a file elsewhere) as named: never by the working directory.
    std::vector<std::string> targets;
    for (const std::string& target : report_.targets) {
      const ArtifactLocator::Located& located = locator_.Locate(target);
      targets.push_back(located.under_root ? located.uri : target);
    }
    std::sort(targets.begin(), targets.end());
    return "pgward/" + TargetsDigest(targets) + "/";
  }

  void Write(JsonWriter& json) {
    json.BeginObject();
    json.Key("tool");
    json.BeginObject();
    json.Key("driver");
    json.Value(Driver());
    json.EndObject();
    json.Key("automationDetails");
    json.BeginObject();
    json.Member("id", AutomationId());
    json.EndObject();
    json.Key("invocations");
    json.BeginArray();
    WriteInvocation(json);
    json.EndArray();
    json.Key("originalUriBaseIds");
    json.Value(
        Json{{kSourceRootId,
              {{"uri", locator_.RootUri()},
               {"description",
                {{"text", "The source root (--source-root): file URIs are relative to it."}}}}}});
    json.Key("artifacts");
    json.BeginArray();
    for (const Artifact& artifact : report_.artifacts) {
      json.BeginObject();
      json.Key("location");
      json.BeginObject();
      locator_.WriteMembers(json, artifact.path, /*index=*/false);
      json.EndObject();
      json.Key("roles");
      json.BeginArray();
      json.String("analysisTarget");
      json.EndArray();
      json.Key("hashes");
      json.BeginObject();
      json.Member("sha-256", artifact.sha256);
      json.EndObject();
      json.EndObject();
    }
    json.EndArray();
    Json taxonomies = taxonomies_.ToJson();
    if (!taxonomies.empty()) {
      json.Key("taxonomies");
      json.Value(taxonomies);
    }
    json.Key("results");
    json.BeginArray();
    for (const Finding* finding : plan_.listed) WriteResult(json, *finding);
    for (const auto& [rule_id, folded] : plan_.folded) WriteFoldedResult(json, rule_id, folded);
    json.EndArray();
    // SARIF has no place for when the analysed evidence was collected (a snapshot scanned
    // later): the run's property bag holds it.
    if (!report_.servers.empty()) {
      json.Key("properties");
      json.BeginObject();
      json.Key("servers");
      json.BeginArray();
      for (const ServerInfo& server : report_.servers) {
        json.BeginObject();
        json.Member("name", server.name);
        if (server.host) json.Member("host", *server.host);
        if (server.port) json.IntMember("port", *server.port);
        if (server.version) json.Member("version", ServerVersionName(*server.version));
        if (!server.collected_at.empty()) json.Member("collectedAt", server.collected_at);
        json.EndObject();
      }
      json.EndArray();
      json.EndObject();
    }
    json.EndObject();
  }

 private:
  Json Driver() const {
    Json rules = Json::array();
    for (const RuleInfo& rule : report_.rules) rules.push_back(RuleJson(rule, taxonomies_));
    Json driver{{"name", "pgward"},
                {"semanticVersion", kVersion},
                {"version", kVersion},
                {"informationUri", kInformationUri},
                {"rules", std::move(rules)}};
    Json supported = taxonomies_.SupportedTaxonomies();
    if (!supported.empty()) driver["supportedTaxonomies"] = std::move(supported);
    return driver;
  }

  // A locations array of one location.
  void WriteLocations(JsonWriter& json, const std::optional<SourceLocation>& location,
                      const std::string& target) {
    json.BeginArray();
    json.BeginObject();
    if (!location || location->file.empty()) {
      // Live findings without an inventory or snapshot line: the server is the location.
      json.Key("logicalLocations");
      json.BeginArray();
      json.BeginObject();
      json.Member("name", target);
      json.Member("fullyQualifiedName", target);
      json.Member("kind", "resource");
      json.EndObject();
      json.EndArray();
    } else {
      json.Key("physicalLocation");
      json.BeginObject();
      json.Key("artifactLocation");
      json.BeginObject();
      locator_.WriteMembers(json, location->file, /*index=*/true);
      json.EndObject();
      if (location->line > 0) {
        json.Key("region");
        json.BeginObject();
        json.IntMember("startLine", location->line);
        json.EndObject();
      }
      json.EndObject();
    }
    json.EndObject();
    json.EndArray();
  }

  std::optional<size_t> RuleIndex(std::string_view rule_id) const {
    const auto it = rule_index_.find(rule_id);
    if (it == rule_index_.end()) return std::nullopt;
    return it->second;
  }

  void WriteMessage(JsonWriter& json, const std::string& text) {
    json.Key("message");
    json.BeginObject();
    json.Member("text", Sentence(text));
    json.EndObject();
  }

  // A result per line, as the JSON report writes a finding: a large run's results were half
  // indentation, and GitHub caps a run's upload at 10 MB gzip-compressed.
  void WriteResult(JsonWriter& json, const Finding& finding) {
    json.BeginOneLineObject();
    json.Member("ruleId", finding.rule_id);
    if (std::optional<size_t> index = RuleIndex(finding.rule_id)) {
      json.IntMember("ruleIndex", static_cast<std::int64_t>(*index));
    }
    json.Member("level", Level(finding.severity));
    std::string message = finding.message;
    if (finding.count > 1) {
      message += " (" + std::to_string(finding.count) + " identical connections)";
    }
    WriteMessage(json, message);
    json.Key("locations");
    WriteLocations(json, finding.location, finding.target);
    if (finding.baseline_state) {
      // SARIF's states are new, unchanged, updated and absent: worse is a change.
      json.Member("baselineState", finding.baseline_state == BaselineState::kWorsened
                                       ? std::string_view("updated")
                                       : BaselineStateName(*finding.baseline_state));
    }
    if (!finding.fingerprint.empty()) {
      json.Key("partialFingerprints");
      json.BeginObject();
      json.Member(kFingerprintKey, finding.fingerprint);
      json.EndObject();
    }
    if (finding.status == FindingStatus::kWaived) {
      json.Key("suppressions");
      json.BeginArray();
      json.BeginObject();
      json.Member("kind", "external");
      json.Member("status", "accepted");
      if (finding.waiver) {
        std::string justification = finding.waiver->justification;
        if (!finding.waiver->expires.empty()) {
          justification += " (expires " + finding.waiver->expires + ")";
        }
        json.Member("justification", justification);
        json.Key("properties");
        json.BeginObject();
        json.Member("owner", finding.waiver->owner);
        json.Member("expires", finding.waiver->expires);
        json.Member("source", finding.waiver->source);
        json.EndObject();
      }
      json.EndObject();
      json.EndArray();
    }
    json.Key("properties");
    json.BeginObject();
    json.Member("severity", SeverityName(finding.severity));
    json.Member("target", finding.target);
    json.IntMember("count", finding.count);
    if (!finding.sample_pids.empty()) {
      json.Key("samplePids");
      json.BeginArray();
      for (const std::int64_t pid : finding.sample_pids) json.Int(pid);
      json.EndArray();
    }
    if (finding.note) {
      json.Member("note", *finding.note);
    }
    json.EndObject();
    json.EndObject();
  }

  // Collection errors and findings that could not be decided: a consumer must be able to tell
  // an incomplete run from a clean one.
  void WriteInvocation(JsonWriter& json) {
    const Invocation& invocation = report_.invocation;
    const bool complete = EvidenceComplete(report_);
    json.BeginObject();
    json.Key("arguments");
    json.BeginArray();
    for (const std::string& argument : invocation.arguments) json.String(argument);
    json.EndArray();
    json.Key("executionSuccessful");
    json.Bool(complete);
    json.IntMember("exitCode", invocation.exit_code);
    if (!invocation.started_at.empty()) {
      json.Member("startTimeUtc", invocation.started_at);
    }
    if (!invocation.finished_at.empty()) {
      json.Member("endTimeUtc", invocation.finished_at);
    }
    json.Key("toolExecutionNotifications");
    json.BeginArray();
    for (const EvidenceError& error : report_.errors) {
      json.BeginObject();
      json.Member("level", "error");
      WriteMessage(json, error.target + ": " + error.message);
      json.Key("locations");
      WriteLocations(json, error.location, error.target);
      json.EndObject();
    }
    for (const Finding& finding : report_.findings) {
      if (finding.status != FindingStatus::kError) continue;
      json.BeginObject();
      json.Member("level", "error");
      WriteMessage(json, finding.message);
      json.Key("locations");
      WriteLocations(json, finding.location, finding.target);
      json.Key("associatedRule");
      json.BeginObject();
      json.Member("id", finding.rule_id);
      if (std::optional<size_t> index = RuleIndex(finding.rule_id)) {
        json.IntMember("index", static_cast<std::int64_t>(*index));
      }
      json.EndObject();
      json.EndObject();
    }
    std::vector<std::string> warnings = report_.warnings;
    if (folding_note_) warnings.push_back(*folding_note_);
    for (const std::string& warning : warnings) {
      json.BeginObject();
      json.Member("level", "warning");
      WriteMessage(json, warning);
      json.EndObject();
    }
    json.EndArray();
    json.Key("properties");
    json.BeginObject();
    json.Member("failOn", FailOnName(invocation.fail_on));
    json.EndObject();
    json.EndObject();
  }

  // The results of one rule left out past GitHub's limits, counted where the first one was.
  void WriteFoldedResult(JsonWriter& json, std::string_view rule_id,
                         const ResultPlan::Folded& folded) {
    json.BeginOneLineObject();
    json.Member("ruleId", rule_id);
    if (std::optional<size_t> index = RuleIndex(rule_id)) {
      json.IntMember("ruleIndex", static_cast<std::int64_t>(*index));
    }
    json.Member("level", Level(folded.first->severity));
    WriteMessage(json, std::to_string(folded.count) + " more result(s) of " + std::string(rule_id) +
                           " are left out: GitHub code scanning takes 25,000 results per run "
                           "and 10 MB of gzip-compressed SARIF; the JSON report lists them all");
    json.Key("locations");
    WriteLocations(json, folded.first->location, folded.first->target);
    json.Key("partialFingerprints");
    json.BeginObject();
    json.Member(kFingerprintKey, "left-out/" + std::string(rule_id));
    json.EndObject();
    json.Key("properties");
    json.BeginObject();
    json.IntMember("leftOut", static_cast<std::int64_t>(folded.count));
    json.EndObject();
    json.EndObject();
  }

  const ScanReport& report_;
  const SarifOptions& options_;
  const ResultPlan& plan_;
  const std::optional<std::string>& folding_note_;
  ArtifactLocator locator_;
  Taxonomies taxonomies_;
  std::unordered_map<std::string_view, size_t> rule_index_;
};

}  // namespace

namespace {

void WriteDocument(const ScanReport& report, const SarifOptions& options, const ResultPlan& plan,
                   const std::optional<std::string>& folding_note, std::ostream& out) {
  {
    JsonWriter json(out);
    json.BeginObject();
    json.Member("$schema", kSchemaUri);
    json.Member("version", "2.1.0");
    json.Key("runs");
    json.BeginArray();
    RunBuilder(report, options, plan, folding_note).Write(json);
    json.EndArray();
    json.EndObject();
  }
  out << '\n';
}

}  // namespace

std::optional<std::string> WriteSarifReport(const ScanReport& report, const SarifOptions& options,
                                            std::ostream& out) {
  std::vector<const Finding*> candidates;
  for (const Finding& finding : report.findings) {
    if (finding.status == FindingStatus::kError) continue;  // a notification, not a result
    if (finding.status == FindingStatus::kWaived && options.omit_suppressed) continue;
    candidates.push_back(&finding);
  }
  // Gone since the baseline: kept as absent results, so that code scanning closes their alerts
  // instead of dropping and later reopening them.
  for (const Finding& finding : report.absent) candidates.push_back(&finding);

  ResultPlan plan = PlanResults(candidates, kMaxResults);
  std::optional<std::string> note;
  if (plan.left_out > 0) note = FoldingNote(plan, candidates.size());
  // A document up to kUnmeasuredBytes fits; a larger one is measured, and one whose gzip size is
  // past the limit is cut by the ratio until it fits.
  const auto fits_unmeasured = [&](size_t size) {
    return size <= kUnmeasuredBytes || plan.listed.empty();
  };
  const auto cut = [&](size_t gzip_size) {
    const double ratio = 0.9 * static_cast<double>(kMaxGzipBytes) / static_cast<double>(gzip_size);
    plan = PlanResults(candidates,
                       static_cast<size_t>(static_cast<double>(plan.listed.size()) * ratio));
    note = FoldingNote(plan, candidates.size());
  };
  // A report file is written at once, measured once written, and written again, cut, in the
  // rare case it does not fit.
  if (auto* file = dynamic_cast<RewindableBuffer*>(out.rdbuf())) {
    for (;;) {
      size_t gzip_size = 0;
      {
        MeteredFile metered(*file);
        std::ostream sink(&metered);
        WriteDocument(report, options, plan, note, sink);
        if (sink && fits_unmeasured(metered.size())) return note;
        const std::optional<size_t> bound =
            sink ? metered.GzipSizeBound() : std::optional<size_t>();
        // The file's error (a full disk, a failed read back) is the caller's to report, with the
        // file's name.
        if (!bound) {
          out.setstate(std::ios::badbit);
          return note;
        }
        if (*bound <= kMaxGzipBytes) return note;
        gzip_size = *bound;
      }
      if (!file->Rewind()) {
        out.setstate(std::ios::badbit);
        return note;
      }
      cut(gzip_size);
    }
  }
  // Elsewhere (standard output), which cannot start again: written at once when it is small,
  // else made again to be written once measured.
  constexpr size_t kKeptBytes = 1 << 20;
  for (;;) {
    MeasuredDocument measured(kKeptBytes);
    {
      std::ostream sink(&measured);
      // What measuring throws (no memory) is thrown on, not a document cut short taken as whole.
      sink.exceptions(std::ios::badbit);
      WriteDocument(report, options, plan, note, sink);
    }
    if (!measured.overflowed()) {
      out << measured.text();
      return note;
    }
    if (fits_unmeasured(measured.size())) break;
    const size_t gzip_size = measured.GzipSize();
    if (gzip_size <= kMaxGzipBytes) break;
    cut(gzip_size);
  }
  WriteDocument(report, options, plan, note, out);
  return note;
}

}  // namespace pgward::reporters
