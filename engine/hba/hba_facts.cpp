#include "engine/hba/hba_facts.h"

#include <variant>

#include "engine/core/side_thread.h"
#include "engine/hba/certificate_names.h"
#include "engine/hba/file_rules_view.h"
#include "engine/model/ip.h"

namespace pgward::hba {
namespace {

constexpr std::string_view kSilentRejection =
    "the server rejects this line without a message (an invalid option value)";

bool LooksLikeKeyword(const std::string& text) {
  return text == "all" || text == "sameuser" || text == "samerole" || text == "samegroup" ||
         text == "replication" || (!text.empty() && (text[0] == '+' || text[0] == '@'));
}

std::string_view SymbolicKindName(SymbolicAddressKind kind) {
  switch (kind) {
    case SymbolicAddressKind::kAll:
      return "all";
    case SymbolicAddressKind::kSameHost:
      return "samehost";
    case SymbolicAddressKind::kSameNet:
      return "samenet";
    case SymbolicAddressKind::kHostName:
      return "hostname";
    case SymbolicAddressKind::kHostNameSuffix:
      return "hostname_suffix";
  }
  return "";
}

}  // namespace

std::string TokenText(const Token& token) {
  if (!token.regex && ((token.quoted && LooksLikeKeyword(token.text)) ||
                       std::string_view(token.text).starts_with('/'))) {
    return "\"" + token.text + "\"";
  }
  return token.text;
}

namespace {

// The few texts that rows repeat (types, methods, address kinds and families, connection kinds),
// each interned once per file instead of once per row: a large file's rows are most of a scan's
// interning.
class RepeatedTexts {
 public:
  explicit RepeatedTexts(ValuePool& pool) : pool_(pool) {}

  ValueId operator()(std::string_view text) {
    for (const auto& [known, id] : ids_) {
      if (known == text) return id;
    }
    return ids_.emplace_back(std::string(text), pool_.InternString(text)).second;
  }

 private:
  ValuePool& pool_;
  std::vector<std::pair<std::string, ValueId>> ids_;  // a few dozen at most
};

std::string LineOf(const HbaRule& rule) {
  return *rule.location.file + ":" + std::to_string(rule.location.line);
}

// The values each rule's facts and access rows share, interned once: a 100,000-line file has
// hundreds of thousands of access rows, which repeat their rule's file, method and lists.
struct RuleValues {
  ValueId file = kAbsent;
  ValueId method = kAbsent;
  ValueId databases = kAbsent;
  ValueId users = kAbsent;
};

std::vector<std::string> FormatRanges(const std::vector<IpRange>& ranges) {
  std::vector<std::string> formatted;
  formatted.reserve(ranges.size());
  for (const IpRange& range : ranges) formatted.push_back(FormatIpRange(range));
  return formatted;
}

ValueId InternTokens(ValuePool& pool, const TokenList& tokens) {
  std::vector<ValueId> ids;
  ids.reserve(tokens.size());
  for (const Token& token : tokens) ids.push_back(pool.InternString(TokenText(token)));
  return pool.InternList(ids);
}

// What the access map says of each record, on its hba_rule row.
void AddRecordAccessFacts(const HbaFile& file, const AccessMap& access,
                          const std::vector<size_t>& rows, FactSet& facts) {
  FactTable& rules = facts.table(FactKind::kHbaRule);
  const size_t f_shadowed = FieldOf<FactKind::kHbaRule>("shadowed"),
               f_shadowed_by = FieldOf<FactKind::kHbaRule>("shadowed_by"),
               f_plaintext = FieldOf<FactKind::kHbaRule>("reachable_plaintext_from"),
               f_not_rejected = FieldOf<FactKind::kHbaRule>("plaintext_not_rejected"),
               f_replication = FieldOf<FactKind::kHbaRule>("replication_plaintext_from");
  for (const RecordAccess& record : access.records) {
    const size_t row = rows[record.rule_index];
    rules.SetBool(row, f_shadowed, record.shadowed);
    std::vector<std::string> shadowers, plaintext;
    for (size_t shadower : record.shadowed_by) shadowers.push_back(LineOf(file.rules[shadower]));
    for (const auto& [kind, range] : record.reachable) {
      if (kind == ConnectionKind::kTcpPlaintext) plaintext.push_back(FormatIpRange(range));
    }
    for (ConnectionKind kind : record.symbolic_reachable) {
      if (kind == ConnectionKind::kTcpPlaintext) plaintext.push_back(record.symbolic_label);
    }
    rules.SetStringList(row, f_shadowed_by, shadowers);
    rules.SetStringList(row, f_plaintext, plaintext);
    std::vector<std::string> not_rejected = FormatRanges(record.plaintext_not_rejected);
    if (record.plaintext_not_rejected_symbolic) not_rejected.push_back(record.symbolic_label);
    rules.SetStringList(row, f_not_rejected, not_rejected);
    if (record.names_replication) {
      std::vector<std::string> replication = FormatRanges(record.replication_plaintext);
      if (record.replication_plaintext_symbolic) replication.push_back(record.symbolic_label);
      rules.SetStringList(row, f_replication, replication);
    }
  }
}

// A range of the access map, its values interned.
struct RangeValues {
  ValueId methods;     // range_methods
  ValueId connection;  // the connection kind's name
  ValueId label;
  ValueId range;  // kAbsent for local and symbolic ranges
};

// The access map's ranges as hba_access rows, one per record that can be the first match in
// the range (or one with none). Touches no pool: every value is interned already.
void AddAccessRows(const HbaFile& file, const AccessMap& access,
                   const std::vector<RangeValues>& ranges, const std::vector<RuleValues>& values,
                   ValueId file_path, FactTable& table) {
  const size_t f_file = FieldOf<FactKind::kHbaAccess>("file"),
               f_connection = FieldOf<FactKind::kHbaAccess>("connection"),
               f_range = FieldOf<FactKind::kHbaAccess>("range"),
               f_label = FieldOf<FactKind::kHbaAccess>("range_label"),
               f_rule_file = FieldOf<FactKind::kHbaAccess>("rule_file"),
               f_rule_line = FieldOf<FactKind::kHbaAccess>("rule_line"),
               f_method = FieldOf<FactKind::kHbaAccess>("method"),
               f_databases = FieldOf<FactKind::kHbaAccess>("databases"),
               f_users = FieldOf<FactKind::kHbaAccess>("users"),
               f_reachable = FieldOf<FactKind::kHbaAccess>("reachable"),
               f_catch_all = FieldOf<FactKind::kHbaAccess>("catch_all"),
               f_first = FieldOf<FactKind::kHbaAccess>("first_in_range"),
               f_methods = FieldOf<FactKind::kHbaAccess>("range_methods");
  size_t access_rows = 0;
  for (const AccessRange& range : access.ranges) {
    access_rows += std::max<size_t>(range.rules.size(), 1);
  }
  table.Reserve(access_rows);
  for (size_t r = 0; r < access.ranges.size(); ++r) {
    const AccessRange& range = access.ranges[r];
    const RangeValues& interned = ranges[r];
    const size_t rows_in_range = std::max<size_t>(range.rules.size(), 1);
    for (size_t i = 0; i < rows_in_range; ++i) {
      const HbaRule* rule = i < range.rules.size() ? &file.rules[range.rules[i]] : nullptr;
      const RuleValues* shared = rule ? &values[range.rules[i]] : nullptr;
      // Located at the record that is the first match, like a finding on that line.
      const FactSource source = rule ? FactSource{shared->file, rule->location.line} : FactSource{};
      const size_t row = table.AppendRow(source);
      table.SetInterned(row, f_file, FieldType::kString, file_path);
      table.SetInterned(row, f_connection, FieldType::kString, interned.connection);
      if (interned.range != kAbsent) {
        table.SetInterned(row, f_range, FieldType::kRange, interned.range);
      }
      table.SetInterned(row, f_label, FieldType::kString, interned.label);
      table.SetBool(row, f_first, i == 0);
      table.SetInterned(row, f_methods, FieldType::kStringList, interned.methods);
      if (rule == nullptr) continue;
      table.SetInterned(row, f_rule_file, FieldType::kString, shared->file);
      table.SetInteger(row, f_rule_line, rule->location.line);
      table.SetInterned(row, f_method, FieldType::kString, shared->method);
      table.SetInterned(row, f_databases, FieldType::kStringList, shared->databases);
      table.SetInterned(row, f_users, FieldType::kStringList, shared->users);
      table.SetBool(row, f_reachable, true);
      table.SetBool(row, f_catch_all, range.ends_with_catch_all && i + 1 == range.rules.size());
    }
  }
}

void AddAccessFacts(const HbaFile& file, const AccessMap& access, const std::vector<size_t>& rows,
                    const std::vector<RuleValues>& values, FactSet& facts) {
  ValuePool& pool = facts.pool();
  const ValueId file_path = pool.InternString(file.path);
  const ValueId implicit_reject = pool.InternString("implicit-reject");
  RepeatedTexts repeated(pool);
  std::vector<RangeValues> ranges;
  ranges.reserve(access.ranges.size());
  std::vector<ValueId> methods;
  for (const AccessRange& range : access.ranges) {
    methods.clear();
    for (size_t rule : range.rules) methods.push_back(values[rule].method);
    if (!range.ends_with_catch_all) methods.push_back(implicit_reject);
    ranges.push_back({pool.InternList(methods), repeated(ConnectionKindName(range.kind)),
                      pool.InternString(range.label),
                      range.range ? pool.InternRange(*range.range) : kAbsent});
  }
  const auto add_rows = [&] {
    AddAccessRows(file, access, ranges, values, file_path, facts.table(FactKind::kHbaAccess));
  };
  // A large map's rows, which intern nothing, are filled beside the records' facts, which do; a
  // small one's (a fleet's many files) are not worth a thread.
  constexpr size_t kRangesWorthAThread = 1 << 12;
  const bool beside = access.ranges.size() >= kRangesWorthAThread;
  SideTask access_rows = beside ? StartOrRun(add_rows) : SideTask();
  if (!beside) add_rows();
  AddRecordAccessFacts(file, access, rows, facts);
  access_rows.Join();
}

}  // namespace

namespace {

// The hba_rule rows of `file`, without what the access map says of them.
struct RuleRows {
  std::vector<size_t> rows;        // by rule index
  std::vector<RuleValues> values;  // by rule index
};

RuleRows AddRuleRows(const HbaFile& file, const HbaContext& context, FactSet& facts) {
  const int pg_version = context.pg_version;
  FactTable& table = facts.table(FactKind::kHbaRule);
  const size_t f_file = FieldOf<FactKind::kHbaRule>("file"),
               f_line = FieldOf<FactKind::kHbaRule>("line"),
               f_rule_number = FieldOf<FactKind::kHbaRule>("rule_number"),
               f_type = FieldOf<FactKind::kHbaRule>("type"),
               f_databases = FieldOf<FactKind::kHbaRule>("databases"),
               f_users = FieldOf<FactKind::kHbaRule>("users"),
               f_address = FieldOf<FactKind::kHbaRule>("address"),
               f_netmask = FieldOf<FactKind::kHbaRule>("netmask"),
               f_network = FieldOf<FactKind::kHbaRule>("network"),
               f_kind = FieldOf<FactKind::kHbaRule>("address_kind"),
               f_family = FieldOf<FactKind::kHbaRule>("address_family"),
               f_range = FieldOf<FactKind::kHbaRule>("address_range"),
               f_prefix = FieldOf<FactKind::kHbaRule>("prefix_length"),
               f_method = FieldOf<FactKind::kHbaRule>("method"),
               f_options = FieldOf<FactKind::kHbaRule>("options"),
               f_clientcert = FieldOf<FactKind::kHbaRule>("clientcert"),
               f_error = FieldOf<FactKind::kHbaRule>("error"),
               f_pg_version = FieldOf<FactKind::kHbaRule>("pg_version");
  ValuePool& pool = facts.pool();
  RepeatedTexts repeated(pool);
  const auto set_repeated = [&](size_t row, size_t field, std::string_view text) {
    table.SetInterned(row, field, FieldType::kString, repeated(text));
  };
  RuleRows added{std::vector<size_t>(file.rules.size()),
                 std::vector<RuleValues>(file.rules.size())};
  std::vector<size_t>& fact_rows = added.rows;
  std::vector<RuleValues>& values = added.values;
  table.Reserve(file.rules.size());
  for (size_t i = 0; i < file.rules.size(); ++i) {
    const HbaRule& rule = file.rules[i];
    RuleValues& shared = values[i];
    // Records of one file share its name: intern it once per file, not once per line.
    shared.file = i > 0 && rule.location.file == file.rules[i - 1].location.file
                      ? values[i - 1].file
                      : pool.InternString(*rule.location.file);
    const size_t row = table.AppendRow({shared.file, rule.location.line});
    fact_rows[i] = row;
    table.SetInterned(row, f_file, FieldType::kString, shared.file);
    table.SetInteger(row, f_line, rule.location.line);
    if (context.pg_version_known) table.SetInteger(row, f_pg_version, pg_version);
    if (rule.rule_number) table.SetInteger(row, f_rule_number, *rule.rule_number);
    if (rule.error) {
      table.SetString(row, f_error, *rule.error);
    } else if (!rule.parsed) {
      table.SetString(row, f_error, kSilentRejection);
    }
    if (!rule.parsed) continue;

    set_repeated(row, f_type, ConnectionTypeName(rule.type));
    shared.databases = InternTokens(pool, rule.databases);
    shared.users = InternTokens(pool, rule.users);
    shared.method = repeated(AuthMethodName(rule.method));
    table.SetInterned(row, f_databases, FieldType::kStringList, shared.databases);
    table.SetInterned(row, f_users, FieldType::kStringList, shared.users);
    // The view's texts for the address and mask, as the server shows them.
    const AddressColumns view = RenderAddress(rule.address);
    if (view.address) table.SetString(row, f_address, *view.address);
    if (view.netmask) table.SetString(row, f_netmask, *view.netmask);
    if (const auto* network = std::get_if<IpNetwork>(&rule.address)) {
      set_repeated(row, f_kind, "cidr");
      set_repeated(row, f_family, network->address.family == IpFamily::kV4 ? "ipv4" : "ipv6");
      // The rule matches address & mask == network & mask: a range only for contiguous masks.
      if (std::optional<int> prefix = MaskPrefixLength(network->mask)) {
        table.SetInteger(row, f_prefix, *prefix);
        const IpRange range = PrefixRange(network->address, *prefix);
        table.SetRange(row, f_range, range);
        table.SetString(row, f_network, FormatIpRange(range));
      } else {
        table.SetString(row, f_network,
                        view.address.value_or("") + "/" + view.netmask.value_or(""));
      }
    } else if (const auto* symbolic = std::get_if<SymbolicAddress>(&rule.address)) {
      set_repeated(row, f_kind, SymbolicKindName(symbolic->kind));
      table.SetString(row, f_network, symbolic->text);
    }
    table.SetInterned(row, f_method, FieldType::kString, shared.method);
    if (const auto options = OptionTexts(rule.options, SecretDisplay::kMask)) {
      table.SetStringList(row, f_options, *options);
    }
    if (rule.clientcert != ClientCert::kOff) {
      set_repeated(row, f_clientcert, ClientCertName(rule.clientcert));
    }
  }
  // load_hba(): a file without a single record (empty, comments only, or include directives
  // that bring none) "contains no entries" and is refused as a whole.
  if (file.rules.empty()) {
    const size_t row = table.AppendRow({facts.pool().InternString(file.path), 1});
    table.SetString(row, f_file, file.path);
    table.SetInteger(row, f_line, 1);
    if (context.pg_version_known) table.SetInteger(row, f_pg_version, pg_version);
    table.SetString(row, f_error,
                    "configuration file \"" + file.path +
                        "\" contains no entries: the server refuses to load it");
  }
  return added;
}

// Who a client certificate logs in as, through each record (PGW-IDENT-001, 002).
void AddCertificateNameFacts(const HbaFile& file, const HbaContext& context,
                             const std::vector<size_t>& rows, FactSet& facts) {
  FactTable& table = facts.table(FactKind::kHbaRule);
  constexpr auto f_map = FieldOf<FactKind::kHbaRule>("certificate_map");
  constexpr auto f_map_privileged = FieldOf<FactKind::kHbaRule>("certificate_map_privileged");
  constexpr auto f_name_privileged = FieldOf<FactKind::kHbaRule>("certificate_name_privileged");
  const std::vector<std::optional<CertificateNameCheck>> checks =
      CheckCertificateNames(file, context.ident_maps, context.roles, context.pg_version);
  for (size_t i = 0; i < checks.size(); ++i) {
    if (!checks[i]) continue;
    const CertificateNameCheck& check = *checks[i];
    if (check.map) table.SetString(rows[i], f_map, *check.map);
    if (check.any_name_roles) table.SetStringList(rows[i], f_map_privileged, *check.any_name_roles);
    if (check.own_name_roles)
      table.SetStringList(rows[i], f_name_privileged, *check.own_name_roles);
  }
}

}  // namespace

void AddHbaRuleFacts(const HbaFile& file, const AccessMap& access, const HbaContext& context,
                     FactSet& facts) {
  const RuleRows rules = AddRuleRows(file, context, facts);
  AddAccessFacts(file, access, rules.rows, rules.values, facts);
  AddCertificateNameFacts(file, context, rules.rows, facts);
}

void AddHbaRuleFacts(const HbaFile& file, const HbaContext& context, FactSet& facts) {
  AccessMap access;
  RuleRows rules;
  {
    // The analysis reads only the file: it runs beside the rows' making.
    SideTask analysis = StartOrRun([&] { access = AnalyzeAccess(file, LocalNetworks{}); });
    rules = AddRuleRows(file, context, facts);
    analysis.Join();
  }
  AddAccessFacts(file, access, rules.rows, rules.values, facts);
  AddCertificateNameFacts(file, context, rules.rows, facts);
}

}  // namespace pgward::hba
