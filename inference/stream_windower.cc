#include "inference/stream_windower.h"

#include <algorithm>

namespace uplinkd::inference {

StreamWindower::StreamWindower(uint32_t window, uint32_t hop, size_t max_streams, WindowCallback on_window)
    : window_(window), hop_(std::clamp<uint32_t>(hop, 1, window)), max_streams_(max_streams),
      on_window_(std::move(on_window)) {}

void StreamWindower::Reset() { streams_.clear(); }

void StreamWindower::Restart(Stream& stream, const SensorFrame& frame) {
  stream.sample_rate_hz = frame.sample_rate_hz;
  stream.channel_count = frame.channel_count;
  stream.ring.assign(size_t{window_} * frame.channel_count, 0.0f);
  stream.linear.assign(size_t{window_} * frame.channel_count, 0.0f);
  stream.write_index = 0;
  stream.filled = 0;
  stream.since_emit = 0;
  stream.started = true;
}

bool StreamWindower::Push(const SensorFrame& frame) {
  auto it = streams_.find(frame.stream_id);
  if (it == streams_.end()) {
    if (streams_.size() >= max_streams_) {
      ++stats_.streams_refused;
      return false;
    }
    it = streams_.emplace(frame.stream_id, Stream{}).first;
  }
  Stream& stream = it->second;
  if (!stream.started) {
    Restart(stream, frame);
  } else if (stream.sample_rate_hz != frame.sample_rate_hz || stream.channel_count != frame.channel_count) {
    ++stats_.format_changes;
    Restart(stream, frame);
  } else if (frame.sequence > stream.next_sequence) {
    // Lost frames would splice unrelated samples into one window and fake spectral content.
    ++stats_.sequence_gaps;
    stream.filled = 0;
    stream.since_emit = 0;
    stream.write_index = 0;
  }
  // A sequence that goes backwards means the sender restarted; its samples are taken as they come.
  stream.next_sequence = frame.sequence + 1;

  const uint16_t channels = stream.channel_count;
  const uint32_t count = frame.samples_per_channel();
  const double ns_per_sample = 1e9 / stream.sample_rate_hz;
  for (uint32_t i = 0; i < count; ++i) {
    const float* sample = frame.samples.data() + size_t{i} * channels;
    for (uint16_t c = 0; c < channels; ++c) stream.ring[size_t{c} * window_ + stream.write_index] = sample[c];
    stream.write_index = (stream.write_index + 1) % window_;
    ++stream.filled;
    ++stream.since_emit;
    if (stream.filled >= window_ && stream.since_emit >= hop_) {
      stream.last_timestamp_ns =
          frame.timestamp_ns == 0 ? 0 : frame.timestamp_ns + static_cast<uint64_t>(i * ns_per_sample);
      Emit(frame.stream_id, stream);
      stream.since_emit = 0;
    }
  }
  return true;
}

void StreamWindower::Emit(uint32_t stream_id, Stream& stream) {
  // The oldest sample sits at write_index; copy both halves of each ring in order.
  const uint32_t head = stream.write_index;
  for (uint16_t c = 0; c < stream.channel_count; ++c) {
    const float* ring = stream.ring.data() + size_t{c} * window_;
    float* out = stream.linear.data() + size_t{c} * window_;
    std::copy(ring + head, ring + window_, out);
    std::copy(ring, ring + head, out + (window_ - head));
  }
  ++stats_.windows;
  StreamWindow window;
  window.stream_id = stream_id;
  window.sample_rate_hz = stream.sample_rate_hz;
  window.channel_count = stream.channel_count;
  window.length = window_;
  window.end_sample = stream.filled - 1;
  window.end_timestamp_ns = stream.last_timestamp_ns;
  window.samples = stream.linear;
  on_window_(window);
}

}  // namespace uplinkd::inference
