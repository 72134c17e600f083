#include "inference/stream_windower.h"

#include <gtest/gtest.h>

namespace uplinkd::inference {
namespace {

struct Captured {
  uint32_t stream_id;
  uint64_t end_sample;
  std::vector<float> samples;
};

SensorFrame Ramp(uint32_t stream, uint16_t channels, uint32_t first, uint32_t count, uint64_t sequence) {
  SensorFrame frame;
  frame.stream_id = stream;
  frame.sample_rate_hz = 1000;
  frame.channel_count = channels;
  frame.sequence = sequence;
  for (uint32_t i = 0; i < count; ++i) {
    for (uint16_t c = 0; c < channels; ++c) frame.samples.push_back(static_cast<float>((first + i) + 1000 * c));
  }
  return frame;
}

class StreamWindowerTest : public ::testing::Test {
 protected:
  std::vector<Captured> windows;
  StreamWindower::WindowCallback Capture() {
    return [this](const StreamWindow& w) {
      windows.push_back({w.stream_id, w.end_sample, std::vector<float>(w.samples.begin(), w.samples.end())});
    };
  }
};

TEST_F(StreamWindowerTest, EmitsOverlappingWindowsInOrderAcrossFrameBoundaries) {
  StreamWindower windower(8, 4, 4, Capture());
  // 20 samples in frames of 3: windows end at samples 7, 11, 15, 19.
  uint64_t sequence = 0;
  for (uint32_t first = 0; first < 20; first += 3) {
    windower.Push(Ramp(1, 2, first, std::min(3u, 20 - first), sequence++));
  }
  ASSERT_EQ(windows.size(), 4u);
  EXPECT_EQ(windows[0].end_sample, 7u);
  EXPECT_EQ(windows[3].end_sample, 19u);
  // Channel-major: channel 0 is samples 12..19, channel 1 the same plus 1000.
  std::vector<float> expected;
  for (int c = 0; c < 2; ++c) {
    for (int i = 12; i < 20; ++i) expected.push_back(static_cast<float>(i + 1000 * c));
  }
  EXPECT_EQ(windows[3].samples, expected);
}

TEST_F(StreamWindowerTest, SequenceGapDropsThePartialWindow) {
  StreamWindower windower(8, 8, 4, Capture());
  windower.Push(Ramp(1, 1, 0, 6, 0));
  windower.Push(Ramp(1, 1, 100, 6, 5));  // frames 1..4 lost
  EXPECT_TRUE(windows.empty());
  windower.Push(Ramp(1, 1, 106, 2, 6));
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_EQ(windows[0].samples.front(), 100.0f);
  EXPECT_EQ(windower.stats().sequence_gaps, 1u);
}

TEST_F(StreamWindowerTest, StreamsAreIndependentAndBounded) {
  StreamWindower windower(4, 4, 2, Capture());
  EXPECT_TRUE(windower.Push(Ramp(1, 1, 0, 4, 0)));
  EXPECT_TRUE(windower.Push(Ramp(2, 1, 50, 4, 0)));
  EXPECT_FALSE(windower.Push(Ramp(3, 1, 0, 4, 0)));
  ASSERT_EQ(windows.size(), 2u);
  EXPECT_EQ(windows[1].stream_id, 2u);
  EXPECT_EQ(windows[1].samples.front(), 50.0f);
  EXPECT_EQ(windower.stats().streams_refused, 1u);
}

TEST_F(StreamWindowerTest, FormatChangeRestartsTheStream) {
  StreamWindower windower(4, 4, 2, Capture());
  windower.Push(Ramp(1, 1, 0, 3, 0));
  windower.Push(Ramp(1, 2, 0, 3, 1));  // now two channels: the earlier samples cannot be mixed in
  EXPECT_TRUE(windows.empty());
  windower.Push(Ramp(1, 2, 3, 1, 2));
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_EQ(windows[0].samples.size(), 8u);
  EXPECT_EQ(windower.stats().format_changes, 1u);
}

}  // namespace
}  // namespace uplinkd::inference
