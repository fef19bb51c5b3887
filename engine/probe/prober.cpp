#include "engine/probe/prober.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <utility>

#include "engine/probe/certificate.h"
#include "engine/probe/endpoint.h"
#include "engine/probe/task_pool.h"
#include "engine/probe/trust_store.h"

namespace pgward::probe {
namespace {

using Clock = std::chrono::steady_clock;

// A step not started because the probe's end (the run's deadline) came first: missing evidence,
// as a timeout is, never a refusal.
Error DeadlinePassed() {
  return Error{ErrorKind::kTimedOut, "not probed further: the run's deadline passed first"};
}

// Every TLS <= 1.2 suite OpenSSL knows: ALL leaves out only the NULL-encryption suites.
constexpr const char* kEveryCipher = "ALL:COMPLEMENTOFALL";
// The five TLS 1.3 suites of RFC 8446; OpenSSL offers only three of them by default.
constexpr const char* kEveryTls13Suite =
    "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:"
    "TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256";
// The fewest suites a split-off chain gets: each chain ends with a refusal, one more connection
// (and, on PostgreSQL, one more backend process) that finds nothing.
constexpr std::size_t kSuitesPerChain = 16;

CipherSuite Describe(const SSL_CIPHER* cipher) {
  const char* iana = SSL_CIPHER_standard_name(cipher);
  return {SSL_CIPHER_get_name(cipher), iana != nullptr ? iana : "",
          SSL_CIPHER_get_protocol_id(cipher), SSL_CIPHER_get_bits(cipher, nullptr)};
}

std::string JoinNames(const std::vector<CipherSuite>& suites) {
  std::string joined;
  for (const CipherSuite& suite : suites) {
    if (!joined.empty()) joined += ':';
    joined += suite.name;
  }
  return joined;
}

// Everything the client can offer, from TLS 1.0 to 1.3: for the first contact, the certificate
// and the latency samples, whatever the server's configuration.
HandshakeOptions BroadestOffer(const std::string& server_name, TlsStart start) {
  return {.min_version = TLS1_VERSION,
          .max_version = TLS1_3_VERSION,
          .cipher_list = kEveryCipher,
          .ciphersuites = kEveryTls13Suite,
          .security_level = 0,
          .server_name = server_name,
          .offer_postgresql_alpn = start == TlsStart::kDirect};
}

double Milliseconds(Clock::duration duration) {
  return std::chrono::duration<double, std::milli>(duration).count();
}

// One enumeration step: the suites offered, in the order offered, and the server's pick.
struct Offer {
  std::vector<CipherSuite> suites;
  CipherSuite picked;
};

// What is known about one version while its chains run.
struct VersionState {
  TlsVersion version;
  std::mutex mutex;
  // The suites of the version no step has found yet, until the chains take them over.
  std::vector<CipherSuite> unexplored;
  bool exhausted = false;  // the server refused what is left of `unexplored`
  std::vector<CipherSuite> accepted;
  std::vector<Offer> offers;  // every step that found a suite, to judge whose order applies
  std::string refusal;
  std::optional<CipherOrder> cipher_order;
  std::optional<Error> error;        // stopped the enumeration
  std::optional<Error> order_error;  // stopped only the order check
  int pending_chains = 0;
};

class Enumerator {
 public:
  Enumerator(const ProbeOptions& options, SocketAddress address, TlsContext context,
             std::string server_name)
      : options_(options),
        address_(std::move(address)),
        context_(std::move(context)),
        server_name_(std::move(server_name)) {
    for (const TlsVersion version : kAllTlsVersions) {
      states_.push_back(std::make_unique<VersionState>());
      states_.back()->version = version;
      states_.back()->unexplored = OfferableSuites(version);
    }
  }

  // One fresh connection, up to SSLRequest's answer when TLS starts that way.
  Expected<Connection> Open() {
    if (Clock::now() >= options_.end) return DeadlinePassed();
    ++handshakes_;
    Expected<Connection> connection =
        Connection::Open(address_, options_.timeout, std::nullopt, options_.end);
    if (!connection || options_.start == TlsStart::kDirect) return connection;
    const Expected<SslRequestAnswer> answer = connection->RequestSsl();
    if (!answer) return answer.error();
    if (*answer == SslRequestAnswer::kRefused) {
      return Error{ErrorKind::kTlsProtocolError,
                   "the server answered 'N' to SSLRequest after having accepted TLS"};
    }
    return connection;
  }

  // A complete handshake, as a client that goes on to use the session makes it.
  std::optional<Error> FullHandshake(const HandshakeOptions& handshake) {
    Expected<Connection> connection = Open();
    if (!connection) return connection.error();
    return connection->StartTls(context_, handshake);
  }

  // The suite the server picks from `offer` at `version`; kHandshakeRejected when it refuses.
  // The server's choice is final in its ServerHello, so the rest of the handshake is run only
  // when `complete`.
  Expected<CipherSuite> Pick(TlsVersion version, const std::vector<CipherSuite>& offer,
                             bool complete) {
    HandshakeOptions handshake{.min_version = OpensslVersion(version),
                               .max_version = OpensslVersion(version),
                               .security_level = 0,
                               .server_name = server_name_,
                               .offer_postgresql_alpn = options_.start == TlsStart::kDirect};
    if (version == TlsVersion::kTls1_3) {
      handshake.ciphersuites = JoinNames(offer);
    } else {
      handshake.cipher_list = JoinNames(offer);
    }
    Expected<Connection> connection = Open();
    if (!connection) return connection.error();
    const Expected<Connection::ServerHello> hello =
        complete ? Established(*connection, handshake)
                 : connection->ReadServerHello(context_, handshake);
    if (!hello) return hello.error();
    if (hello->version != OpensslVersion(version) || hello->cipher == nullptr) {
      return Error{ErrorKind::kTlsProtocolError,
                   "the ServerHello does not carry the offered version and a suite"};
    }
    const CipherSuite picked = Describe(hello->cipher);
    if (std::find(offer.begin(), offer.end(), picked) == offer.end()) {
      return Error{ErrorKind::kTlsProtocolError,
                   "the server selected " + picked.name + ", which was not offered"};
    }
    return picked;
  }

  // The first contact offered every suite of every version: the suite it got, at the version it
  // got, is the first step of that version's enumeration.
  void RecordFirstContact(const SSL* tls) {
    const SSL_CIPHER* cipher = SSL_get_current_cipher(tls);
    for (const auto& state : states_) {
      if (OpensslVersion(state->version) != SSL_version(tls) || cipher == nullptr) continue;
      const std::vector<CipherSuite> offered = state->unexplored;
      if (std::find(offered.begin(), offered.end(), Describe(cipher)) == offered.end()) return;
      Record(*state, offered, Describe(cipher), state->unexplored);
      first_contact_ = state.get();
    }
  }

  // Whether the first contact's version has suites left to find (CompleteNextStep).
  bool CanCompleteNextStep() const {
    return first_contact_ != nullptr && !first_contact_->exhausted &&
           !first_contact_->unexplored.empty() && !complete_step_failed_;
  }

  // The next step of the first contact's version, as a complete handshake made alone, before the
  // parallel enumeration, so that its time is a latency sample: true when the server picks a
  // suite. False when it refuses what is left, which completes the version's enumeration, or
  // when the handshake fails otherwise: the parallel enumeration then takes the step again up to
  // the ServerHello, and the samples come from handshakes offering everything.
  bool CompleteNextStep() {
    VersionState& state = *first_contact_;
    const Expected<CipherSuite> picked = Step(state, state.unexplored, /*complete=*/true);
    if (picked) return true;
    if (picked.error().kind == ErrorKind::kHandshakeRejected) {
      state.exhausted = true;
    } else {
      complete_step_failed_ = true;
    }
    return false;
  }

  void Enumerate(std::vector<VersionResult>& results) {
    TaskPool pool;
    for (const auto& state : states_) {
      state->pending_chains = 1;
      pool.Add([this, state = state.get(), &pool] {
        std::vector<CipherSuite> offer = std::move(state->unexplored);
        if (state->exhausted) {
          FinishChain(*state, pool);
        } else if (!state->accepted.empty()) {
          SplitChain(*state, offer, pool);
          RunChain(*state, std::move(offer), /*first=*/false, pool);
        } else {
          RunChain(*state, std::move(offer), /*first=*/true, pool);
        }
      });
    }
    pool.Run(options_.concurrency);

    for (const auto& state : states_) {
      VersionResult result{.version = state->version};
      result.accepted_suites = std::move(state->accepted);
      std::sort(result.accepted_suites.begin(), result.accepted_suites.end(),
                [](const CipherSuite& a, const CipherSuite& b) { return a.name < b.name; });
      result.cipher_order = state->cipher_order;
      if (state->error.has_value()) {
        result.status = VersionStatus::kIncomplete;
        result.error = std::move(state->error);
      } else if (!result.accepted_suites.empty()) {
        result.status = VersionStatus::kAccepted;
        result.error = std::move(state->order_error);
      } else {
        result.status = VersionStatus::kRejected;
        result.refusal = std::move(state->refusal);
      }
      results.push_back(std::move(result));
    }
  }

  int handshakes() const { return handshakes_; }

 private:
  // Offers `offer`, removes the suite the server picks and offers the rest, until it refuses.
  // Every other offer of a version is in reverse order: a server that takes the client's
  // order then picks from both ends, which no single order of its own does (see
  // FollowsClientOrder). The first offer of a version is in OpenSSL's order.
  void RunChain(VersionState& state, std::vector<CipherSuite> offer, bool first, TaskPool& pool) {
    while (!offer.empty()) {
      Expected<CipherSuite> picked = Step(state, offer, /*complete=*/false);
      if (!picked) {
        std::lock_guard lock(state.mutex);
        if (picked.error().kind != ErrorKind::kHandshakeRejected) {
          if (!state.error.has_value()) state.error = picked.error();
        } else if (first) {
          state.refusal = picked.error().message;
        }
        break;
      }
      if (first) SplitChain(state, offer, pool);
      first = false;
    }
    FinishChain(state, pool);
  }

  // Offers `offer` (reversed on every other step of the version), and takes the suite the server
  // picks out of it.
  Expected<CipherSuite> Step(VersionState& state, std::vector<CipherSuite>& offer, bool complete) {
    std::vector<CipherSuite> offered = offer;
    {
      std::lock_guard lock(state.mutex);
      if (state.offers.size() % 2 == 1) std::reverse(offered.begin(), offered.end());
    }
    Expected<CipherSuite> picked = Pick(state.version, offered, complete);
    if (picked) Record(state, std::move(offered), *picked, offer);
    return picked;
  }

  static void Record(VersionState& state, std::vector<CipherSuite> offered,
                     const CipherSuite& picked, std::vector<CipherSuite>& offer) {
    std::erase(offer, picked);
    std::lock_guard lock(state.mutex);
    state.offers.push_back({std::move(offered), picked});
    state.accepted.push_back(picked);
  }

  // The version and suite of a complete handshake, as ReadServerHello reports them.
  Expected<Connection::ServerHello> Established(Connection& connection,
                                                const HandshakeOptions& handshake) {
    if (std::optional<Error> error = connection.StartTls(context_, handshake)) return *error;
    return Connection::ServerHello{SSL_version(connection.tls()),
                                   SSL_get_current_cipher(connection.tls())};
  }

  // The version is accepted: the rest of its suites go to parallel chains.
  void SplitChain(VersionState& state, std::vector<CipherSuite>& offer, TaskPool& pool) {
    const std::size_t parts = std::clamp<std::size_t>(
        offer.size() / kSuitesPerChain, 1, static_cast<std::size_t>(options_.concurrency));
    // Round robin, so that suites of one family (and so one fate) spread over the parts.
    std::vector<std::vector<CipherSuite>> split(parts);
    for (std::size_t i = 0; i < offer.size(); ++i) split[i % parts].push_back(offer[i]);
    offer = std::move(split[0]);
    std::lock_guard lock(state.mutex);
    for (std::size_t part = 1; part < parts; ++part) {
      ++state.pending_chains;
      pool.Add([this, &state, &pool, suites = std::move(split[part])] {
        RunChain(state, suites, /*first=*/false, pool);
      });
    }
  }

  void FinishChain(VersionState& state, TaskPool& pool) {
    std::lock_guard lock(state.mutex);
    if (--state.pending_chains > 0 || state.error.has_value() || state.accepted.size() < 2) return;
    if (!FollowsClientOrder(state)) {
      // A pick that was not the first accepted suite offered: the order is the server's.
      state.cipher_order = CipherOrder::kServer;
      return;
    }
    pool.Add([this, &state] { DetermineOrder(state); });
  }

  // Whether every pick was the first suite of its offer that the server accepts, as under the
  // client's order. It decides nothing when true (the server's own order may agree), so a
  // handshake made for the purpose (DetermineOrder) settles it then.
  static bool FollowsClientOrder(const VersionState& state) {
    return std::all_of(state.offers.begin(), state.offers.end(), [&](const Offer& offer) {
      const auto first_accepted = std::find_first_of(offer.suites.begin(), offer.suites.end(),
                                                     state.accepted.begin(), state.accepted.end());
      return first_accepted != offer.suites.end() && *first_accepted == offer.picked;
    });
  }

  // The version's first pick came from an offer of every suite: under the server's order, it is
  // the server's favourite of all it accepts. The accepted suites are offered again with that
  // one last: the server's order picks it again, the client's picks the first offered.
  void DetermineOrder(VersionState& state) {
    std::vector<CipherSuite> offer;
    {
      std::lock_guard lock(state.mutex);
      offer = state.accepted;  // the first pick first
    }
    const CipherSuite favourite = offer.front();
    std::rotate(offer.begin(), offer.begin() + 1, offer.end());
    const Expected<CipherSuite> picked = Pick(state.version, offer, /*complete=*/false);
    std::lock_guard lock(state.mutex);
    if (!picked) {
      state.order_error = picked.error();
    } else if (*picked == favourite) {
      state.cipher_order = CipherOrder::kServer;
    } else if (*picked == offer.front()) {
      state.cipher_order = CipherOrder::kClient;
    } else {
      state.cipher_order = CipherOrder::kUndetermined;
    }
  }

  const ProbeOptions& options_;
  const SocketAddress address_;
  const TlsContext context_;
  const std::string server_name_;
  std::vector<std::unique_ptr<VersionState>> states_;  // in kAllTlsVersions' order
  VersionState* first_contact_ = nullptr;              // the version the first contact settled on
  bool complete_step_failed_ = false;
  std::atomic<int> handshakes_ = 0;
};

// The first contact: the first address that takes the connection decides; a server that
// answers (even with 'N' or garbage) is the one probed.
struct FirstContact {
  SocketAddress address;
  std::optional<Connection> connection;  // established TLS, unless TLS was refused
  double milliseconds = 0;
};

Expected<FirstContact> Reach(const ProbeOptions& options, const TlsContext& context,
                             const std::string& server_name, ProbeResult& result) {
  Expected<std::vector<SocketAddress>> addresses = ResolveTcp(options.host, options.port);
  if (!addresses) return addresses.error();
  std::optional<Error> last_error;
  for (const SocketAddress& address : *addresses) {
    const Clock::time_point started = Clock::now();
    ++result.handshakes;
    Expected<Connection> connection =
        Connection::Open(address, options.timeout, std::nullopt, options.end);
    if (!connection) {
      last_error = connection.error();
      continue;
    }
    result.address = address.ToString();
    if (options.start == TlsStart::kSslRequest) {
      const Expected<SslRequestAnswer> answer = connection->RequestSsl();
      if (!answer) return answer.error();
      result.ssl_request_answer = *answer;
      if (*answer == SslRequestAnswer::kRefused) return FirstContact{address, std::nullopt, 0};
    }
    if (auto error = connection->StartTls(context, BroadestOffer(server_name, options.start))) {
      if (options.start == TlsStart::kDirect && error->kind == ErrorKind::kClosedDuringHandshake) {
        error->message +=
            ": servers before PostgreSQL 17 do not accept direct TLS (probe without --direct)";
      }
      return *error;
    }
    return FirstContact{address, std::move(*connection), Milliseconds(Clock::now() - started)};
  }
  if (!last_error.has_value()) {
    return Error{ErrorKind::kResolveFailed, "'" + options.host + "' resolved to no address"};
  }
  return *last_error;
}

}  // namespace

int OpensslVersion(TlsVersion version) {
  switch (version) {
    case TlsVersion::kTls1_0:
      return TLS1_VERSION;
    case TlsVersion::kTls1_1:
      return TLS1_1_VERSION;
    case TlsVersion::kTls1_2:
      return TLS1_2_VERSION;
    case TlsVersion::kTls1_3:
      return TLS1_3_VERSION;
  }
  return 0;
}

std::vector<CipherSuite> OfferableSuites(TlsVersion version) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> context(SSL_CTX_new(TLS_client_method()),
                                                            SSL_CTX_free);
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(context.get()), SSL_free);
  SSL_set_security_level(ssl.get(), 0);
  SSL_set_min_proto_version(ssl.get(), OpensslVersion(version));
  SSL_set_max_proto_version(ssl.get(), OpensslVersion(version));
  SSL_set_cipher_list(ssl.get(), kEveryCipher);
  SSL_set_ciphersuites(ssl.get(), kEveryTls13Suite);
  // What a ClientHello at this version would carry: suites of other versions, and those that
  // need a PSK or SRP login the probe does not have, are left out.
  STACK_OF(SSL_CIPHER)* supported = SSL_get1_supported_ciphers(ssl.get());
  std::vector<CipherSuite> suites;
  for (int i = 0; i < sk_SSL_CIPHER_num(supported); ++i) {
    suites.push_back(Describe(sk_SSL_CIPHER_value(supported, i)));
  }
  sk_SSL_CIPHER_free(supported);
  return suites;
}

ProbeResult Probe(const ProbeOptions& options) {
  ProbeResult result{.host = options.host, .port = options.port, .start = options.start};
  if (options.concurrency < 1 || options.latency_samples < 1 || options.timeout.count() <= 0) {
    result.error = Error{ErrorKind::kInvalidArgument,
                         "concurrency, latency samples and timeout must be positive"};
    return result;
  }
  // Nothing is started once the run's deadline has passed, not even the name's resolution.
  if (Clock::now() >= options.end) {
    result.error = DeadlinePassed();
    return result;
  }
  result.server_name =
      options.server_name.value_or(IsIpAddress(options.host) ? std::string() : options.host);
  // The handshakes only record what the server sends; the trust anchors serve the chain's
  // verification alone. They are loaded before the network is touched, so that a bad CA file is
  // reported first.
  Expected<TlsContext> context = TlsContext::Create({.load_trust_anchors = false});
  if (!context) {
    result.error = context.error();
    return result;
  }
  const Expected<TrustStore> anchors = TrustStore::Load(options.ca_file);
  if (!anchors) {
    result.error = anchors.error();
    return result;
  }

  Expected<FirstContact> contact = Reach(options, *context, result.server_name, result);
  if (!contact) {
    result.error = contact.error();
    return result;
  }
  if (!contact->connection.has_value()) return result;  // TLS refused: that is the finding

  Enumerator enumerator(options, contact->address, *context, result.server_name);
  enumerator.RecordFirstContact(contact->connection->tls());
  // Complete handshakes, one after another before the enumeration, so that no other handshake of
  // ours competes. While the first contact's version has suites to find, they are the next steps
  // of its enumeration; one that finds none is no sample.
  std::vector<double> samples = {contact->milliseconds};
  while (static_cast<int>(samples.size()) < options.latency_samples) {
    const Clock::time_point started = Clock::now();
    if (enumerator.CanCompleteNextStep()) {
      if (enumerator.CompleteNextStep()) samples.push_back(Milliseconds(Clock::now() - started));
      continue;
    }
    if (auto error = enumerator.FullHandshake(BroadestOffer(result.server_name, options.start))) {
      result.latency_error = std::move(error);
      break;
    }
    samples.push_back(Milliseconds(Clock::now() - started));
  }
  if (!result.latency_error.has_value()) {
    std::sort(samples.begin(), samples.end());
    const std::size_t middle = samples.size() / 2;
    result.latency = LatencyFacts{.samples = static_cast<int>(samples.size()),
                                  .median_ms = samples.size() % 2 == 1
                                                   ? samples[middle]
                                                   : (samples[middle - 1] + samples[middle]) / 2,
                                  .min_ms = samples.front(),
                                  .max_ms = samples.back()};
  }

  enumerator.Enumerate(result.versions);
  result.handshakes += enumerator.handshakes();

  const std::string checked_name = result.server_name.empty() ? options.host : result.server_name;
  Expected<ChainFacts> chain = DescribeChain(contact->connection->tls(), *anchors, checked_name,
                                             std::chrono::system_clock::now());
  if (!chain) {
    // Nothing is reported when the chain cannot be described, as when the server is not reached.
    return ProbeResult{.host = result.host,
                       .port = result.port,
                       .address = result.address,
                       .start = result.start,
                       .server_name = result.server_name,
                       .ssl_request_answer = result.ssl_request_answer,
                       .error = chain.error(),
                       .handshakes = result.handshakes};
  }
  result.chain = std::move(*chain);
  return result;
}

}  // namespace pgward::probe
