#pragma once
// The handle of one observer registered with a publisher (the state store, the policy's Wan
// endpoints): the observer is removed when the handle is destroyed or reset. The publisher keeps
// the cancel function safe to call after the publisher itself is gone (a weak reference), so the
// two may be destroyed in either order.
#include <functional>
#include <utility>

namespace uplinkd {

class Subscription {
 public:
  Subscription() = default;
  explicit Subscription(std::function<void()> cancel) : cancel_(std::move(cancel)) {}
  Subscription(Subscription&& other) noexcept : cancel_(std::exchange(other.cancel_, nullptr)) {}
  Subscription& operator=(Subscription&& other) noexcept {
    if (this != &other) {
      Reset();
      cancel_ = std::exchange(other.cancel_, nullptr);
    }
    return *this;
  }
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  ~Subscription() { Reset(); }

  void Reset() {
    if (auto cancel = std::exchange(cancel_, nullptr)) cancel();
  }
  bool active() const { return static_cast<bool>(cancel_); }

 private:
  std::function<void()> cancel_;
};

}  // namespace uplinkd
