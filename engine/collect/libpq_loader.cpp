// libpq, loaded at its first use rather than when pgward starts.
//
// Why: libpq brings two dozen libraries with it (Kerberos, LDAP, SASL, GnuTLS and theirs), and
// mapping and relocating them took 6 of the 19 ms pgward needed to start, on every run, also
// those that never connect to a server (a pg_hba.conf review in CI, a log summary, policy tests).
// So pgward is not linked to libpq: the libpq functions it calls are defined here, each forwarding
// to libpq's own, which the first call loads (libpq.so.5, the soname of every libpq since 8.3,
// where the system keeps its libraries; a build against a libpq elsewhere runs with
// LD_LIBRARY_PATH naming its directory, as no run path is written into the binary).
// libpq-fe.h's declarations check each signature below. The Debian package still depends on libpq5
// (CMakeLists.txt), so the library is there when a scan needs it.

#include <libpq-fe.h>

#include "engine/core/lazy_library.h"

namespace pgward::collect {
namespace {

constexpr char kLibpq[] = "libpq.so.5";

void* Libpq() {
  static void* const handle = LoadLibraryOrExit(kLibpq, "connecting to a server");
  return handle;
}

}  // namespace
}  // namespace pgward::collect

// Each function resolves libpq's once, on its first call (thread-safe: a static's initialisation).
#define PGWARD_LIBPQ(name)                                                                     \
  static const auto libpq_function =                                                           \
      pgward::FunctionOrExit(pgward::collect::Libpq(), pgward::collect::kLibpq, &name, #name); \
  return libpq_function

extern "C" {

PGconn* PQconnectStart(const char* conninfo) { PGWARD_LIBPQ(PQconnectStart)(conninfo); }
PGconn* PQconnectStartParams(const char* const* keywords, const char* const* values,
                             int expand_dbname) {
  PGWARD_LIBPQ(PQconnectStartParams)(keywords, values, expand_dbname);
}
PostgresPollingStatusType PQconnectPoll(PGconn* conn) { PGWARD_LIBPQ(PQconnectPoll)(conn); }
void PQfinish(PGconn* conn) { PGWARD_LIBPQ(PQfinish)(conn); }
ConnStatusType PQstatus(const PGconn* conn) { PGWARD_LIBPQ(PQstatus)(conn); }
char* PQerrorMessage(const PGconn* conn) { PGWARD_LIBPQ(PQerrorMessage)(conn); }
int PQsocket(const PGconn* conn) { PGWARD_LIBPQ(PQsocket)(conn); }
char* PQhost(const PGconn* conn) { PGWARD_LIBPQ(PQhost)(conn); }
char* PQport(const PGconn* conn) { PGWARD_LIBPQ(PQport)(conn); }
int PQserverVersion(const PGconn* conn) { PGWARD_LIBPQ(PQserverVersion)(conn); }
int PQconnectionUsedPassword(const PGconn* conn) { PGWARD_LIBPQ(PQconnectionUsedPassword)(conn); }
int PQsslInUse(PGconn* conn) { PGWARD_LIBPQ(PQsslInUse)(conn); }
const char* PQsslAttribute(PGconn* conn, const char* attribute_name) {
  PGWARD_LIBPQ(PQsslAttribute)(conn, attribute_name);
}
PQnoticeProcessor PQsetNoticeProcessor(PGconn* conn, PQnoticeProcessor proc, void* arg) {
  PGWARD_LIBPQ(PQsetNoticeProcessor)(conn, proc, arg);
}
int PQsetnonblocking(PGconn* conn, int arg) { PGWARD_LIBPQ(PQsetnonblocking)(conn, arg); }
int PQsendQuery(PGconn* conn, const char* query) { PGWARD_LIBPQ(PQsendQuery)(conn, query); }
int PQflush(PGconn* conn) { PGWARD_LIBPQ(PQflush)(conn); }
int PQconsumeInput(PGconn* conn) { PGWARD_LIBPQ(PQconsumeInput)(conn); }
int PQisBusy(PGconn* conn) { PGWARD_LIBPQ(PQisBusy)(conn); }
PGresult* PQgetResult(PGconn* conn) { PGWARD_LIBPQ(PQgetResult)(conn); }
ExecStatusType PQresultStatus(const PGresult* res) { PGWARD_LIBPQ(PQresultStatus)(res); }
char* PQresultErrorMessage(const PGresult* res) { PGWARD_LIBPQ(PQresultErrorMessage)(res); }
char* PQresultErrorField(const PGresult* res, int fieldcode) {
  PGWARD_LIBPQ(PQresultErrorField)(res, fieldcode);
}
int PQntuples(const PGresult* res) { PGWARD_LIBPQ(PQntuples)(res); }
int PQnfields(const PGresult* res) { PGWARD_LIBPQ(PQnfields)(res); }
char* PQfname(const PGresult* res, int field_num) { PGWARD_LIBPQ(PQfname)(res, field_num); }
char* PQgetvalue(const PGresult* res, int tup_num, int field_num) {
  PGWARD_LIBPQ(PQgetvalue)(res, tup_num, field_num);
}
int PQgetlength(const PGresult* res, int tup_num, int field_num) {
  PGWARD_LIBPQ(PQgetlength)(res, tup_num, field_num);
}
int PQgetisnull(const PGresult* res, int tup_num, int field_num) {
  PGWARD_LIBPQ(PQgetisnull)(res, tup_num, field_num);
}
void PQclear(PGresult* res) { PGWARD_LIBPQ(PQclear)(res); }
PQconninfoOption* PQconninfo(PGconn* conn) { PGWARD_LIBPQ(PQconninfo)(conn); }
PQconninfoOption* PQconninfoParse(const char* conninfo, char** errmsg) {
  PGWARD_LIBPQ(PQconninfoParse)(conninfo, errmsg);
}
void PQconninfoFree(PQconninfoOption* connOptions) { PGWARD_LIBPQ(PQconninfoFree)(connOptions); }
void PQfreemem(void* ptr) { PGWARD_LIBPQ(PQfreemem)(ptr); }
int PQlibVersion(void) { PGWARD_LIBPQ(PQlibVersion)(); }

}  // extern "C"
