#include "base/fake_host_resolver.h"

namespace uplinkd {
namespace {

class FakePending : public PendingResolution {
 public:
  explicit FakePending(std::shared_ptr<ResolveCallback> done) : done_(std::move(done)) {}
  ~FakePending() override { *done_ = nullptr; }

 private:
  std::shared_ptr<ResolveCallback> done_;
};

}  // namespace

std::unique_ptr<PendingResolution> FakeHostResolver::Resolve(const ResolveRequest& request, ResolveCallback done) {
  auto shared = std::make_shared<ResolveCallback>(std::move(done));
  asked_.push_back({request, shared, false});
  return std::make_unique<FakePending>(shared);
}

bool FakeHostResolver::Answer(Result<std::vector<std::string>> addresses) {
  for (auto& asked : asked_) {
    if (asked.answered || !*asked.done) continue;
    asked.answered = true;
    auto done = *asked.done;
    done(std::move(addresses));
    return true;
  }
  return false;
}

size_t FakeHostResolver::waiting() const {
  size_t count = 0;
  for (const auto& asked : asked_) count += !asked.answered && *asked.done ? 1 : 0;
  return count;
}

}  // namespace uplinkd
