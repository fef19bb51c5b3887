#include "engine/model/fact_format.h"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <string_view>

#include "engine/core/json_string.h"

namespace pgward {

namespace {

constexpr std::int64_t kSecondsPerDay = 86'400;

void AppendInteger(std::string& out, std::int64_t value) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, result.ptr);
}

// Digits only, exactly `count` of them: strptime would also take signs, spaces and short fields.
std::optional<unsigned> Digits(std::string_view text, size_t position, size_t count) {
  unsigned value = 0;
  for (size_t i = position; i < position + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(text[i] - '0');
  }
  return value;
}

}  // namespace

std::int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string NowTimestamp() { return FormatTimestamp(NowSeconds()); }

namespace {

// "2026-11-24T10:00:00" then `fraction` (".123" or nothing) and "Z".
std::string FormatTime(std::int64_t seconds, const char* fraction) {
  const std::int64_t days =
      seconds >= 0 ? seconds / kSecondsPerDay : (seconds - kSecondsPerDay + 1) / kSecondsPerDay;
  const std::int64_t time_of_day = seconds - days * kSecondsPerDay;
  const std::chrono::year_month_day date{std::chrono::sys_days{std::chrono::days{days}}};
  char text[64];
  // Four-digit years, zero-padded, so that what is written parses back (strftime writes "27").
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d%sZ",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<int>(time_of_day / 3600),
                static_cast<int>(time_of_day / 60 % 60), static_cast<int>(time_of_day % 60),
                fraction);
  return text;
}

}  // namespace

std::string FormatTimestamp(std::int64_t seconds) { return FormatTime(seconds, ""); }

std::string FormatTimestampMilliseconds(std::int64_t milliseconds) {
  const std::int64_t seconds =
      milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000;
  char fraction[8];
  std::snprintf(fraction, sizeof fraction, ".%03d",
                static_cast<int>(milliseconds - seconds * 1000));
  return FormatTime(seconds, fraction);
}

std::optional<std::int64_t> ParseTimestamp(std::string_view text) {
  if (text.size() != 10 && text.size() != 20) return std::nullopt;
  if (text[4] != '-' || text[7] != '-') return std::nullopt;
  const std::optional<unsigned> year = Digits(text, 0, 4), month = Digits(text, 5, 2),
                                day = Digits(text, 8, 2);
  if (!year || !month || !day) return std::nullopt;
  // A date that does not exist (February 30th) is an error, not the day it would roll over to.
  const std::chrono::year_month_day date{std::chrono::year{static_cast<int>(*year)},
                                         std::chrono::month{*month}, std::chrono::day{*day}};
  if (!date.ok()) return std::nullopt;
  std::int64_t seconds =
      static_cast<std::int64_t>(std::chrono::sys_days{date}.time_since_epoch().count()) *
      kSecondsPerDay;
  if (text.size() == 10) return seconds;
  if (text[10] != 'T' || text[13] != ':' || text[16] != ':' || text[19] != 'Z') return std::nullopt;
  const std::optional<unsigned> hour = Digits(text, 11, 2), minute = Digits(text, 14, 2),
                                second = Digits(text, 17, 2);
  if (!hour || !minute || !second || *hour > 23 || *minute > 59 || *second > 59)
    return std::nullopt;
  return seconds + *hour * 3600 + *minute * 60 + *second;
}

namespace {

class FormatVisitor final : public FieldVisitor {
 public:
  explicit FormatVisitor(std::string& out) : out_(out) {}
  void Absent() override { out_ += "(absent)"; }
  void Text(std::string_view text) override { out_ += text; }
  void Integer(std::int64_t value) override { AppendInteger(out_, value); }
  void Bool(bool value) override { out_ += value ? "true" : "false"; }
  void List(std::span<const ValueId> strings, const ValuePool& pool) override {
    for (size_t i = 0; i < strings.size(); ++i) {
      if (i > 0) out_ += ", ";
      out_ += pool.String(strings[i]);
    }
  }

 private:
  std::string& out_;
};

class JsonVisitor final : public FieldVisitor {
 public:
  explicit JsonVisitor(std::string& out) : out_(out) {}
  void Absent() override { out_ += "null"; }
  void Text(std::string_view text) override { AppendJsonString(out_, text); }
  void Integer(std::int64_t value) override { AppendInteger(out_, value); }
  void Bool(bool value) override { out_ += value ? "true" : "false"; }
  void List(std::span<const ValueId> strings, const ValuePool& pool) override {
    out_ += '[';
    for (size_t i = 0; i < strings.size(); ++i) {
      if (i > 0) out_ += ',';
      AppendJsonString(out_, pool.String(strings[i]));
    }
    out_ += ']';
  }

 private:
  std::string& out_;
};

}  // namespace

std::string FormatField(const FactTable& table, size_t row, size_t field) {
  std::string text;
  FormatVisitor visitor(text);
  VisitField(table, row, field, visitor);
  return text;
}

void AppendFieldJson(std::string& out, const FactTable& table, size_t row, size_t field) {
  JsonVisitor visitor(out);
  VisitField(table, row, field, visitor);
}

std::optional<std::string> SetFieldFromText(FactTable& table, size_t row, size_t field,
                                            std::string_view text) {
  switch (table.spec().fields[field].type) {
    case FieldType::kString:
      table.SetString(row, field, text);
      return std::nullopt;
    case FieldType::kBool:
      if (text != "true" && text != "false") return "true or false";
      table.SetBool(row, field, text == "true");
      return std::nullopt;
    case FieldType::kInteger: {
      std::int64_t number = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
      if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
        return "an integer";
      }
      table.SetInteger(row, field, number);
      return std::nullopt;
    }
    case FieldType::kTimestamp: {
      const std::optional<std::int64_t> seconds = ParseTimestamp(text);
      if (!seconds) return "a date, YYYY-MM-DD[THH:MM:SSZ]";
      table.SetInteger(row, field, *seconds);
      return std::nullopt;
    }
    case FieldType::kTlsVersion: {
      const std::optional<TlsVersion> version = ParseTlsVersion(text);
      if (!version) return "TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3";
      table.SetTlsVersion(row, field, *version);
      return std::nullopt;
    }
    case FieldType::kAddress: {
      const std::optional<IpAddress> address = ParseIpAddress(text);
      if (!address) return "an IP address";
      table.SetAddress(row, field, *address);
      return std::nullopt;
    }
    case FieldType::kRange: {
      const std::optional<IpRange> range = ParseIpRange(text);
      if (!range) return "a CIDR range";
      table.SetRange(row, field, *range);
      return std::nullopt;
    }
    case FieldType::kStringList:
      break;
  }
  return "a list of strings";
}

bool IsAbsent(const FactTable& table, size_t row, size_t field) {
  switch (table.spec().fields[field].type) {
    case FieldType::kInteger:
    case FieldType::kTimestamp:
      return !table.Integer(row, field);
    case FieldType::kBool:
      return !table.Bool(row, field);
    case FieldType::kTlsVersion:
      return !table.Tls(row, field);
    default:
      return table.Id(row, field) == kAbsent;
  }
}

void VisitField(const FactTable& table, size_t row, size_t field, FieldVisitor& visitor) {
  const ValuePool& pool = table.pool();
  const FieldType type = table.spec().fields[field].type;
  switch (type) {
    case FieldType::kInteger:
    case FieldType::kTimestamp: {
      const std::optional<std::int64_t> value = table.Integer(row, field);
      if (!value) {
        visitor.Absent();
      } else if (type == FieldType::kInteger) {
        visitor.Integer(*value);
      } else {
        visitor.Text(FormatTimestamp(*value));
      }
      return;
    }
    case FieldType::kBool: {
      const std::optional<bool> value = table.Bool(row, field);
      if (value) {
        visitor.Bool(*value);
      } else {
        visitor.Absent();
      }
      return;
    }
    case FieldType::kTlsVersion: {
      const std::optional<TlsVersion> value = table.Tls(row, field);
      if (value) {
        visitor.Text(TlsVersionName(*value));
      } else {
        visitor.Absent();
      }
      return;
    }
    default:
      break;
  }
  const ValueId id = table.Id(row, field);
  if (id == kAbsent) {
    visitor.Absent();
    return;
  }
  switch (type) {
    case FieldType::kString:
      visitor.Text(pool.String(id));
      return;
    case FieldType::kAddress:
      visitor.Text(FormatIpAddress(pool.Address(id)));
      return;
    case FieldType::kRange:
      visitor.Text(FormatIpRange(pool.Range(id)));
      return;
    case FieldType::kStringList:
      visitor.List(pool.List(id), pool);
      return;
    default:
      visitor.Absent();
  }
}

}  // namespace pgward
