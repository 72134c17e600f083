#pragma once
// Time and timers as an interface, so state machines can be driven by a fake clock in tests
// (a 30-second back-off is tested in microseconds). The real one runs on the daemon's io_context.
#include <chrono>
#include <functional>
#include <memory>

namespace uplinkd {

using SteadyTime = std::chrono::steady_clock::time_point;

// Cancels its timer when destroyed or reset; a fired timer's handle is inert.
class TimerHandle {
 public:
  TimerHandle() = default;
  explicit TimerHandle(std::function<void()> cancel) : cancel_(std::move(cancel)) {}
  TimerHandle(TimerHandle&& other) noexcept : cancel_(std::move(other.cancel_)) { other.cancel_ = nullptr; }
  TimerHandle& operator=(TimerHandle&& other) noexcept {
    if (this != &other) {
      Cancel();
      cancel_ = std::move(other.cancel_);
      other.cancel_ = nullptr;
    }
    return *this;
  }
  TimerHandle(const TimerHandle&) = delete;
  TimerHandle& operator=(const TimerHandle&) = delete;
  ~TimerHandle() { Cancel(); }

  void Cancel() {
    if (cancel_) {
      auto cancel = std::move(cancel_);
      cancel_ = nullptr;
      cancel();
    }
  }
  bool armed() const { return static_cast<bool>(cancel_); }

 private:
  std::function<void()> cancel_;
};

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  virtual SteadyTime Now() const = 0;
  // Runs `callback` once on the event loop after `delay`, unless the handle is cancelled first.
  [[nodiscard]] virtual TimerHandle RunAfter(std::chrono::milliseconds delay,
                                             std::function<void()> callback) = 0;
};

}  // namespace uplinkd
