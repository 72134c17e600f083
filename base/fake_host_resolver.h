#pragma once
// A scripted HostResolver for tests: resolutions wait until the test answers them.
#include <deque>
#include <memory>

#include "base/host_resolver.h"

namespace uplinkd {

class FakeHostResolver : public HostResolver {
 public:
  struct Asked {
    ResolveRequest request;
    std::shared_ptr<ResolveCallback> done;  // emptied when the caller cancels
    bool answered = false;
  };

  std::unique_ptr<PendingResolution> Resolve(const ResolveRequest& request, ResolveCallback done) override;

  // Every request made so far, oldest first (cancelled ones included).
  const std::deque<Asked>& asked() const { return asked_; }
  // Answers the oldest unanswered, uncancelled request; false when there is none. Runs the
  // callback at once (tests call this from outside the resolver, as the loop would).
  bool Answer(Result<std::vector<std::string>> addresses);
  size_t waiting() const;

 private:
  std::deque<Asked> asked_;
};

}  // namespace uplinkd
