#pragma once
// One decoded block of sensor samples: the unit every ingest path (UDP, Unix socket, MQTT, CSV
// replay) hands to the pipeline. Samples are interleaved by channel and already scaled to floats.
#include <cstdint>
#include <vector>

namespace uplinkd::inference {

enum class SampleType : uint8_t { kInt16 = 1, kInt32 = 2, kFloat32 = 3 };

struct SensorFrame {
  uint32_t stream_id = 0;
  uint32_t sample_rate_hz = 0;
  uint16_t channel_count = 0;
  uint64_t sequence = 0;
  // First sample's wall-clock time in ns since the epoch; 0 when the sender does not know it.
  uint64_t timestamp_ns = 0;
  // samples[i * channel_count + c] is sample i of channel c. Reused between frames so decoding
  // does not allocate once the capacity has grown.
  std::vector<float> samples;

  uint32_t samples_per_channel() const {
    return channel_count == 0 ? 0 : static_cast<uint32_t>(samples.size() / channel_count);
  }
};

}  // namespace uplinkd::inference
