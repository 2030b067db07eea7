#pragma once
// The Idempotency-Key rule (docs/api.md "Idempotency") at the API layer, so that a service
// returns its outcome and the route renders it: a unit of work runs in one write
// transaction together with the lookup of an earlier answer under the key. A repeat of
// the request within kIdempotencyLifetime replays that answer and runs nothing; the same
// key with another body is refused (409 idempotency_mismatch); a first answer below 500
// is stored in the same transaction as what the unit wrote, so a crash keeps both or
// neither.

#include "api/http_types.h"
#include "api/router.h"
#include "common/result.h"
#include "common/time.h"
#include "store/store.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace parkd {

struct IdempotencyKey {
  std::string key;
  std::string request_hash;  // a digest of the request body: same key + other body = mismatch
};

template <class T>
struct IdempotentWrite {
  Id user_id = 0;
  std::optional<IdempotencyKey> key;  // none: the unit simply runs
  // The unit, run at `at` inside the transaction (possibly more than once: a store may
  // run it again after a serialization failure). Its error outcome is rendered and
  // committed like a success, so a refusal is replayed too.
  std::function<Result<T>(Tx&, Timestamp at)> unit;
  // The answer for an outcome. Called inside the transaction only when the answer is
  // kept for replay (the SQLite writer runs everyone's units in turn), else after it.
  std::function<Response(const Result<T>&)> render;
  // After the commit of a unit that succeeded (not of a replay), e.g. to log it.
  std::function<void(const T&)> committed = [](const T&) {};
};

// Runs `w` through store.write_async and answers once through `respond` (via `handoff`
// when the store queues writes): the rendered outcome, the replayed answer, or a JSON
// error for idempotency_mismatch and a failed transaction.
template <class T>
void write_idempotent(Store& store, IdempotentWrite<T> w, const Store::Handoff& handoff,
                      Respond respond) {
  // Shared by the unit and its completion, which may run on other threads.
  struct State {
    IdempotentWrite<T> w;
    std::optional<Result<T>> outcome;  // none: replayed (or failed)
    Response answer;
  };
  auto s = std::make_shared<State>(State{std::move(w), std::nullopt, {}});
  auto unit = [s](Tx& tx) -> Status {
    s->outcome.reset();
    Timestamp at = now();
    const auto& key = s->w.key;
    if (key) {
      if (auto previous =
              tx.idempotent_response(s->w.user_id, key->key, at - kIdempotencyLifetime)) {
        if (previous->request_hash != key->request_hash) {
          return Error::conflict("idempotency_mismatch",
                                 "This Idempotency-Key was used with a different request");
        }
        s->answer = Response{};
        s->answer.status = previous->status;
        s->answer.body = std::move(previous->body);
        return ok_status();
      }
    }
    s->outcome = s->w.unit(tx, at);
    if (key) {
      s->answer = s->w.render(*s->outcome);
      if (s->answer.status < 500) {
        tx.store_idempotent_response(s->w.user_id, key->key,
                                     {s->answer.status, s->answer.body, key->request_hash}, at);
      }
    }
    return ok_status();
  };
  auto finish = [s, respond = std::move(respond)](Status st) {
    if (!st) return respond(error_response(st.error()));
    if (s->outcome) {
      if (!s->w.key) s->answer = s->w.render(*s->outcome);
      if (*s->outcome) s->w.committed(**s->outcome);
    }
    respond(std::move(s->answer));
  };
  store.write_async(std::move(unit), std::move(finish), handoff);
}

}  // namespace parkd
