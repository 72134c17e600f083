#pragma once
// Cuts each stream's samples into overlapping windows (window and hop in samples). Memory is
// allocated once per stream, when its first frame arrives; frames after that never allocate.
#include <cstdint>
#include <functional>
#include <span>
#include <unordered_map>
#include <vector>

#include "inference/sensor_frame.h"

namespace uplinkd::inference {

// One window of one stream: `samples[c * length + i]` is sample i of channel c, oldest first.
struct StreamWindow {
  uint32_t stream_id = 0;
  uint32_t sample_rate_hz = 0;
  uint16_t channel_count = 0;
  uint32_t length = 0;
  // Index of the window's last sample since the stream started (or restarted after a gap).
  uint64_t end_sample = 0;
  // Wall-clock time of the last sample (ns since epoch) when the sender gave timestamps, else 0.
  uint64_t end_timestamp_ns = 0;
  std::span<const float> samples;

  std::span<const float> channel(uint16_t c) const { return samples.subspan(size_t{c} * length, length); }
};

class StreamWindower {
 public:
  struct Stats {
    uint64_t windows = 0;
    uint64_t sequence_gaps = 0;   // a frame's sequence skipped ahead: the partial window is dropped
    uint64_t format_changes = 0;  // rate or channel count changed: the stream restarts
    uint64_t streams_refused = 0; // frames of a new stream beyond max_streams
  };
  using WindowCallback = std::function<void(const StreamWindow&)>;

  StreamWindower(uint32_t window, uint32_t hop, size_t max_streams, WindowCallback on_window);

  // Returns false when the frame was refused (too many streams).
  bool Push(const SensorFrame& frame);
  void Reset();
  const Stats& stats() const { return stats_; }
  uint32_t window() const { return window_; }
  uint32_t hop() const { return hop_; }

 private:
  struct Stream {
    uint32_t sample_rate_hz = 0;
    uint16_t channel_count = 0;
    uint64_t next_sequence = 0;
    bool started = false;
    std::vector<float> ring;    // channel-major rings of `window_` samples each
    std::vector<float> linear;  // the window handed to the callback
    uint32_t write_index = 0;
    uint64_t filled = 0;        // samples since (re)start
    uint32_t since_emit = 0;
    uint64_t last_timestamp_ns = 0;
  };
  void Restart(Stream& stream, const SensorFrame& frame);
  void Emit(uint32_t stream_id, Stream& stream);

  uint32_t window_;
  uint32_t hop_;
  size_t max_streams_;
  WindowCallback on_window_;
  std::unordered_map<uint32_t, Stream> streams_;
  Stats stats_;
};

}  // namespace uplinkd::inference
