// make bench (policy evaluation): 1,000,000 connection facts, shaped like a large fleet's
// sessions (pooled applications, a few hundred users and hosts, TLS and plaintext), against
// every built-in rule. Goal: evaluation under 1 s on one core; building the facts is timed apart.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "engine/model/fact_table.h"
#include "engine/policy/builtin.h"
#include "engine/policy/evaluator.h"

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kCiphers[] = {"TLS_AES_256_GCM_SHA384", "ECDHE-RSA-AES128-GCM-SHA256",
                                    "ECDHE-RSA-AES256-SHA384", "TLS_CHACHA20_POLY1305_SHA256"};
constexpr const char* kVersions[] = {"TLSv1.3", "TLSv1.2", "TLSv1.2", "TLSv1.3"};

void AddConnections(pgward::FactSet& facts, int count) {
  pgward::FactTable& table = facts.table(pgward::FactKind::kConnection);
  const size_t server = pgward::FieldOf<pgward::FactKind::kConnection>("server"),
               pid = pgward::FieldOf<pgward::FactKind::kConnection>("pid"),
               user = pgward::FieldOf<pgward::FactKind::kConnection>("user"),
               database = pgward::FieldOf<pgward::FactKind::kConnection>("database"),
               application = pgward::FieldOf<pgward::FactKind::kConnection>("application_name"),
               address = pgward::FieldOf<pgward::FactKind::kConnection>("client_addr"),
               local = pgward::FieldOf<pgward::FactKind::kConnection>("local"),
               ssl = pgward::FieldOf<pgward::FactKind::kConnection>("ssl"),
               version = pgward::FieldOf<pgward::FactKind::kConnection>("tls_version"),
               cipher = pgward::FieldOf<pgward::FactKind::kConnection>("cipher"),
               bits = pgward::FieldOf<pgward::FactKind::kConnection>("bits"),
               encrypted = pgward::FieldOf<pgward::FactKind::kConnection>("encrypted"),
               superuser = pgward::FieldOf<pgward::FactKind::kConnection>("superuser"),
               replication = pgward::FieldOf<pgward::FactKind::kConnection>("replication"),
               gss = pgward::FieldOf<pgward::FactKind::kConnection>("gss_encrypted");
  for (int i = 0; i < count; ++i) {
    const size_t row = table.AppendRow();
    const int app = i % 400;
    table.SetString(row, server, "db" + std::to_string(i % 50));
    table.SetInteger(row, pid, 10000 + i);
    table.SetString(row, user, "app_user_" + std::to_string(app % 300));
    table.SetString(row, database, "app_" + std::to_string(app % 40));
    table.SetString(row, application, "service-" + std::to_string(app));
    pgward::IpAddress client;
    client.bytes = {10, static_cast<std::uint8_t>(app % 16), static_cast<std::uint8_t>(app / 16),
                    static_cast<std::uint8_t>(i % 7)};
    table.SetAddress(row, address, client);
    table.SetBool(row, local, false);
    const bool tls = app % 5 != 0;  // a fifth of the applications still connect in plaintext
    table.SetBool(row, ssl, tls);
    table.SetBool(row, gss, false);
    table.SetBool(row, encrypted, tls);
    table.SetBool(row, superuser, app == 7);
    table.SetBool(row, replication, false);
    if (tls) {
      table.SetTlsVersion(row, version, *pgward::ParseTlsVersion(kVersions[app % 4]));
      table.SetString(row, cipher, kCiphers[app % 4]);
      table.SetInteger(row, bits, app % 4 == 1 ? 128 : 256);
    }
  }
}

}  // namespace

int main() {
  constexpr int kConnections = 1000000;
  const auto load_start = Clock::now();
  const pgward::policy::LoadResult pack = pgward::policy::LoadBuiltinPack("baseline");
  if (!pack.policy) return 1;
  const double load_policy = std::chrono::duration<double>(Clock::now() - load_start).count();

  const auto facts = std::make_shared<pgward::FactSet>();
  const auto build_start = Clock::now();
  AddConnections(*facts, kConnections);
  const double build = std::chrono::duration<double>(Clock::now() - build_start).count();

  const auto evaluate_start = Clock::now();
  const pgward::policy::Evaluation evaluation = pgward::policy::Evaluate({&*pack.policy}, facts);
  const double evaluate = std::chrono::duration<double>(Clock::now() - evaluate_start).count();

  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::int64_t folded = 0;
  for (const pgward::Finding& finding : evaluation.findings) folded += finding.count;
  std::printf("Policy evaluation: %d connection facts x %zu built-in rules (goal: under 1 s)\n",
              kConnections, pack.policy->rules.size());
  std::printf("  load baseline pack   %8.1f ms\n", load_policy * 1e3);
  std::printf("  build facts          %8.1f ms\n", build * 1e3);
  std::printf("  evaluate             %8.1f ms   (%.0f facts/s)\n", evaluate * 1e3,
              kConnections / evaluate);
  std::printf("  findings             %8zu      (folding %lld failing facts)\n",
              evaluation.findings.size(), static_cast<long long>(folded));
  std::printf("  peak memory          %8.1f MiB\n", usage.ru_maxrss / 1024.0);
  std::printf("goal %s\n", evaluate < 1.0 ? "met" : "NOT met");
  return evaluate < 1.0 ? 0 : 1;
}
