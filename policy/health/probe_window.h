#pragma once
// The last N probe results of one Wan: windowed mean RTT, jitter (mean absolute difference of
// successive RTTs, as RFC 3550 measures it, without smoothing) and loss.
#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>

namespace uplinkd::policy {

class ProbeWindow {
 public:
  explicit ProbeWindow(size_t size) : size_(size < 1 ? 1 : size) {}

  void AddAnswered(std::chrono::microseconds rtt);
  void AddLost();
  void Clear() { samples_.clear(); }

  size_t count() const { return samples_.size(); }
  std::optional<double> MeanRttMs() const;
  std::optional<double> JitterMs() const;  // needs two answered probes
  double Loss() const;                     // 0 when empty

 private:
  struct Sample {
    bool answered;
    double rtt_ms;
  };
  void Push(Sample sample);

  size_t size_;
  std::deque<Sample> samples_;
};

}  // namespace uplinkd::policy
