// MQTT sensor readings (inference/mqtt_reading_source's parser): any message body parses or is
// refused; what parses is a frame the pipeline can take (1-64 channels, whole rows, finite).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "inference/frame_codec.h"
#include "inference/mqtt_reading_source.h"

using uplinkd::inference::MqttReadingSource;
using uplinkd::inference::SensorFrame;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  SensorFrame frame;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (!MqttReadingSource::ParseReading(text, frame)) return 0;
  if (frame.channel_count == 0 || frame.channel_count > uplinkd::inference::kMaxFrameChannels) std::abort();
  if (frame.samples.empty() || frame.samples.size() % frame.channel_count != 0) std::abort();
  if (frame.sample_rate_hz == 0 || frame.sample_rate_hz > uplinkd::inference::kMaxFrameSampleRateHz) std::abort();
  for (float value : frame.samples) {
    if (!std::isfinite(value)) std::abort();
  }
  return 0;
}
