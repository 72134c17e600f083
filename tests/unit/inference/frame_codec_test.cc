#include "inference/frame_codec.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace uplinkd::inference {
namespace {

SensorFrame MakeFrame(uint16_t channels, uint32_t per_channel) {
  SensorFrame frame;
  frame.stream_id = 7;
  frame.sample_rate_hz = 12'000;
  frame.channel_count = channels;
  frame.sequence = 0x0102030405060708ULL;
  frame.timestamp_ns = 1'700'000'000'123'456'789ULL;
  for (uint32_t i = 0; i < per_channel * channels; ++i) frame.samples.push_back(static_cast<float>(i) * 0.5f - 3.0f);
  return frame;
}

TEST(FrameCodecTest, Float32RoundTripKeepsEveryField) {
  SensorFrame frame = MakeFrame(3, 5);
  std::vector<uint8_t> bytes = FrameCodec::Encode(frame);
  ASSERT_EQ(bytes.size(), kFrameHeaderSize + 15 * 4);
  SensorFrame decoded;
  ASSERT_TRUE(FrameCodec::Decode(bytes, decoded));
  EXPECT_EQ(decoded.stream_id, 7u);
  EXPECT_EQ(decoded.sample_rate_hz, 12'000u);
  EXPECT_EQ(decoded.channel_count, 3);
  EXPECT_EQ(decoded.sequence, frame.sequence);
  EXPECT_EQ(decoded.timestamp_ns, frame.timestamp_ns);
  EXPECT_EQ(decoded.samples, frame.samples);
  EXPECT_EQ(decoded.samples_per_channel(), 5u);
}

TEST(FrameCodecTest, HeaderIsLittleEndianAtDocumentedOffsets) {
  SensorFrame frame = MakeFrame(2, 1);
  std::vector<uint8_t> bytes = FrameCodec::Encode(frame, SampleType::kInt16, 0.5f);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 4), "UPSF");
  EXPECT_EQ(bytes[4], 1);                       // version
  EXPECT_EQ(bytes[5], 1);                       // int16
  EXPECT_EQ(bytes[6] | bytes[7] << 8, 2);       // channels
  EXPECT_EQ(bytes[8], 7);                       // stream id
  EXPECT_EQ(bytes[12] | bytes[13] << 8, 12'000 & 0xffff);
  EXPECT_EQ(bytes[16], 0x08);                   // sequence, low byte first
  EXPECT_EQ(bytes[23], 0x01);
  EXPECT_EQ(bytes[32], 1);                      // samples per channel
  // samples -3.0 and -2.5 at scale 0.5 are raw -6 and -5
  EXPECT_EQ(static_cast<int16_t>(bytes[40] | bytes[41] << 8), -6);
  EXPECT_EQ(static_cast<int16_t>(bytes[42] | bytes[43] << 8), -5);
}

TEST(FrameCodecTest, IntegerTypesApplyScale) {
  SensorFrame frame = MakeFrame(1, 8);
  for (SampleType type : {SampleType::kInt16, SampleType::kInt32}) {
    SensorFrame decoded;
    ASSERT_TRUE(FrameCodec::Decode(FrameCodec::Encode(frame, type, 0.25f), decoded));
    EXPECT_EQ(decoded.samples, frame.samples);
  }
}

TEST(FrameCodecTest, RejectsMalformedFrames) {
  SensorFrame frame = MakeFrame(2, 4);
  const std::vector<uint8_t> good = FrameCodec::Encode(frame);
  SensorFrame out;
  auto decode = [&](std::vector<uint8_t> bytes) { return FrameCodec::Decode(bytes, out).has_value(); };
  ASSERT_TRUE(decode(good));
  EXPECT_FALSE(decode({}));
  EXPECT_FALSE(decode(std::vector<uint8_t>(good.begin(), good.begin() + 39)));
  EXPECT_FALSE(decode(std::vector<uint8_t>(good.begin(), good.end() - 1)));  // length mismatch
  auto mutate = [&](size_t offset, uint8_t value) {
    std::vector<uint8_t> bytes = good;
    bytes[offset] = value;
    return decode(bytes);
  };
  EXPECT_FALSE(mutate(0, 'X'));   // magic
  EXPECT_FALSE(mutate(4, 2));     // version
  EXPECT_FALSE(mutate(5, 9));     // sample type
  EXPECT_FALSE(mutate(6, 0));     // zero channels
  EXPECT_FALSE(mutate(6, 65));    // too many channels
  EXPECT_FALSE(mutate(6, 3));     // channel count no longer divides the samples
  SensorFrame zero_rate = frame;
  zero_rate.sample_rate_hz = 0;
  EXPECT_FALSE(decode(FrameCodec::Encode(zero_rate)));
  SensorFrame nan_frame = frame;
  nan_frame.samples[3] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_FALSE(decode(FrameCodec::Encode(nan_frame)));
  SensorFrame empty = frame;
  empty.samples.clear();
  EXPECT_FALSE(decode(FrameCodec::Encode(empty)));
}

// A header alone (no samples) with the given counts.
std::vector<uint8_t> Header(SampleType type, uint16_t channels, uint32_t per_channel) {
  SensorFrame frame = MakeFrame(channels, 1);
  std::vector<uint8_t> bytes = FrameCodec::Encode(frame, type);
  bytes.resize(kFrameHeaderSize);
  for (size_t i = 0; i < 4; ++i) bytes[32 + i] = static_cast<uint8_t>(per_channel >> (8 * i));
  return bytes;
}

TEST(FrameCodecTest, CountsWhoseByteLengthWrapsIn32BitsAreRefused) {
  // count x sample size is exactly 2^32 (or a multiple): with 32-bit arithmetic (armhf's size_t)
  // that is 0 and matched a bare 40-byte header; the decoder then sized its buffer for the count.
  SensorFrame out;
  struct Case {
    SampleType type;
    uint16_t channels;
    uint32_t per_channel;
  };
  for (Case c : {Case{SampleType::kFloat32, 1, 0x4000'0000u}, Case{SampleType::kInt16, 2, 0x8000'0000u},
                 Case{SampleType::kInt32, 64, 0x0100'0000u}, Case{SampleType::kFloat32, 4, 0xffff'ffffu}}) {
    auto decoded = FrameCodec::Decode(Header(c.type, c.channels, c.per_channel), out);
    ASSERT_FALSE(decoded) << c.per_channel;
    EXPECT_NE(decoded.error().message.find("samples"), std::string::npos) << decoded.error().message;
    EXPECT_LE(out.samples.capacity(), kMaxFrameSamples);
  }
}

TEST(FrameCodecTest, FramesAboveTheDatagramBoundAreRefused) {
  SensorFrame out;
  // The largest frame the receivers can take decodes...
  SensorFrame largest = MakeFrame(2, kMaxFrameSamples / 2);
  ASSERT_TRUE(FrameCodec::Decode(FrameCodec::Encode(largest, SampleType::kInt16, 1.0f), out));
  EXPECT_EQ(out.samples.size(), kMaxFrameSamples);
  // ...one sample more, or a well-formed frame longer than any datagram they take, does not.
  SensorFrame one_more = MakeFrame(1, kMaxFrameSamples + 1);
  auto refused = FrameCodec::Decode(FrameCodec::Encode(one_more, SampleType::kInt16, 1.0f), out);
  ASSERT_FALSE(refused);
  SensorFrame too_long = MakeFrame(2, 20'000);  // 160 040 bytes of float32
  refused = FrameCodec::Decode(FrameCodec::Encode(too_long), out);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("too long"), std::string::npos) << refused.error().message;
}

}  // namespace
}  // namespace uplinkd::inference
