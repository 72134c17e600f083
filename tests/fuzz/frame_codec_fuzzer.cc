// Sensor frames (inference/frame_codec): any datagram decodes or is refused; what decodes is
// within the documented bounds and survives a re-encode unchanged.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "inference/frame_codec.h"

using uplinkd::inference::FrameCodec;
using uplinkd::inference::SensorFrame;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  SensorFrame frame;
  if (!FrameCodec::Decode(std::span<const uint8_t>(data, size), frame)) return 0;
  if (frame.channel_count == 0 || frame.channel_count > uplinkd::inference::kMaxFrameChannels) std::abort();
  if (frame.samples.empty() || frame.samples.size() > uplinkd::inference::kMaxFrameSamples) std::abort();
  if (frame.samples.size() % frame.channel_count != 0) std::abort();
  for (float value : frame.samples) {
    if (!std::isfinite(value)) std::abort();
  }
  SensorFrame again;
  if (!FrameCodec::Decode(FrameCodec::Encode(frame), again)) std::abort();
  if (again.samples != frame.samples || again.stream_id != frame.stream_id || again.sequence != frame.sequence ||
      again.sample_rate_hz != frame.sample_rate_hz || again.channel_count != frame.channel_count) {
    std::abort();
  }
  return 0;
}
