#include "inference/worker_config.h"

#include <gtest/gtest.h>

#include "inference/mqtt_reading_source.h"

namespace uplinkd::inference {
namespace {

TEST(WorkerConfigTest, ReadsEverySection) {
  auto config = WorkerConfig::Parse(R"(
[ingest]
udp = "127.0.0.1:5600"
unix = "/run/uplinkd-infer/frames.sock"
max_streams = 4

[features]
window = 2048
hop = 1024
bands = 16

[baseline]
learn_windows = 5000
quantile = 0.995
margin = 2
save_dir = "/var/lib/uplinkd-infer"

[alerts]
relay_socket = "/run/uplinkd/alerts.sock"
k = 4
n = 6
clear_windows = 20
max_per_minute = 2.5

[mqtt]
host = "127.0.0.1"
port = 1884
topic = "plant/+/vibration"

[[stream]]
id = 1
name = "pump1"
model = "/var/lib/uplinkd-infer/pump1.model"

[[stream]]
id = 2
)", "inference.toml");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->udp_address, "127.0.0.1");
  EXPECT_EQ(config->udp_port, 5600);
  EXPECT_EQ(config->pipeline.window, 2048u);
  EXPECT_EQ(config->pipeline.band_count, 16u);
  EXPECT_EQ(config->pipeline.learn_windows, 5000u);
  EXPECT_DOUBLE_EQ(config->pipeline.baseline_margin, 2.0);
  EXPECT_EQ(config->pipeline.alert_policy.k, 4u);
  EXPECT_DOUBLE_EQ(config->pipeline.alert_policy.max_events_per_minute, 2.5);
  ASSERT_TRUE(config->mqtt);
  EXPECT_EQ(config->mqtt->port, 1884);
  ASSERT_EQ(config->streams.size(), 2u);
  EXPECT_EQ(config->streams[0].model_file, "/var/lib/uplinkd-infer/pump1.model");
  EXPECT_EQ(config->streams[1].name, "stream-2");
  EXPECT_EQ(config->pipeline.stream_names.at(1), "pump1");
}

TEST(WorkerConfigTest, ReportsEveryProblemWithFileAndLine) {
  auto config = WorkerConfig::Parse(R"([ingest]
unix = "/tmp/f.sock"
colour = "red"
[features]
window = "big"
[alerts]
k = 9
n = 3
[[stream]]
id = 1
[[stream]]
id = 1
[surprise]
)", "w.toml");
  ASSERT_FALSE(config);
  const std::string& message = config.error().message;
  EXPECT_NE(message.find("w.toml:3: unknown key ingest.colour"), std::string::npos) << message;
  EXPECT_NE(message.find("w.toml:5: features.window: must be an integer"), std::string::npos) << message;
  EXPECT_NE(message.find("w.toml:7: alerts.k: must not exceed alerts.n"), std::string::npos) << message;
  EXPECT_NE(message.find("stream id 1 appears twice"), std::string::npos) << message;
  EXPECT_NE(message.find("unknown key surprise"), std::string::npos) << message;
}

TEST(WorkerConfigTest, NeedsSomeIngestAndValidToml) {
  EXPECT_FALSE(WorkerConfig::Parse("[features]\nwindow = 1024\n", "a.toml"));
  EXPECT_FALSE(WorkerConfig::Parse("[ingest\n", "b.toml"));
  EXPECT_FALSE(WorkerConfig::Parse("[ingest]\nudp = \"localhost\"\n", "c.toml"));
}

TEST(MqttReadingTest, ParsesOneOrManySamples) {
  SensorFrame frame;
  ASSERT_TRUE(MqttReadingSource::ParseReading(R"({"stream":5,"rate_hz":10,"values":[1.5,2.5]})", frame));
  EXPECT_EQ(frame.stream_id, 5u);
  EXPECT_EQ(frame.sample_rate_hz, 10u);
  EXPECT_EQ(frame.channel_count, 2);
  EXPECT_EQ(frame.samples, (std::vector<float>{1.5f, 2.5f}));
  ASSERT_TRUE(MqttReadingSource::ParseReading(R"({"stream":5,"rate_hz":10,"samples":[[1],[2],[3]]})", frame));
  EXPECT_EQ(frame.samples_per_channel(), 3u);
}

TEST(MqttReadingTest, RejectsMalformedReadings) {
  SensorFrame frame;
  for (const char* bad : {"", "[]", R"({"rate_hz":10,"values":[1]})", R"({"stream":-1,"rate_hz":10,"values":[1]})",
                          R"({"stream":1,"rate_hz":0,"values":[1]})", R"({"stream":1,"rate_hz":10})",
                          R"({"stream":1,"rate_hz":10,"values":[]})", R"({"stream":1,"rate_hz":10,"values":["x"]})",
                          R"({"stream":1,"rate_hz":10,"samples":[[1,2],[3]]})",
                          // Finite doubles that overflow the float a sample is kept in.
                          R"({"stream":1,"rate_hz":10,"values":[1e300]})", R"({"stream":1,"rate_hz":10,"values":[-3.5e38]})"}) {
    EXPECT_FALSE(MqttReadingSource::ParseReading(bad, frame)) << bad;
  }
}

}  // namespace
}  // namespace uplinkd::inference
