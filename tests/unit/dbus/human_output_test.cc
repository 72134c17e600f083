#include "dbus/uplinkctl/human_output.h"

#include <gtest/gtest.h>

#include "dbus/uplinkctl/text_table.h"

namespace uplinkd::ctl {
namespace {

nlohmann::json Modem(const std::string& name, bool up) {
  return {{"Name", name},
          {"Phase", up ? "connected" : "backing-off"},
          {"WanUp", up},
          {"OperatorName", "Lab Carrier One"},
          {"OperatorCode", "00101"},
          {"AccessTechnology", "lte"},
          {"SignalQuality", 80},
          {"Signal", {{"rsrp_dbm", -90.0}}},
          {"Interface", up ? "wwan0" : ""},
          {"Ipv4Address", up ? "100.64.1.2/30" : ""}};
}

TEST(TextTableTest, ColumnsAlignToTheWidestCell) {
  TextTable table({"A", "LONG HEADER", "C"});
  table.AddRow({"wide cell", "x", "last"});
  table.AddRow({"y", "", "z"});
  EXPECT_EQ(table.Render(false),
            "A          LONG HEADER  C\n"
            "wide cell  x            last\n"
            "y                       z\n");
}

TEST(TextTableTest, ColourOnlyWhenAsked) {
  EXPECT_EQ(Colorize("up", false), "up");
  EXPECT_EQ(Colorize("up", true), "\033[32mup\033[0m");
  EXPECT_EQ(Colorize("down", true), "\033[31mdown\033[0m");
  EXPECT_EQ(Colorize("modem1", true), "modem1");
}

TEST(HumanOutputTest, ModemTable) {
  auto text = FormatModemTable(nlohmann::json::array({Modem("modem1", true), Modem("modem2", false)}), false);
  EXPECT_EQ(text,
            "MODEM   PHASE        WAN   OPERATOR                 TECH  SIGNAL         INTERFACE  IPV4\n"
            "modem1  connected    up    Lab Carrier One (00101)  lte   80% (-90 dBm)  wwan0      100.64.1.2/30\n"
            "modem2  backing-off  down  Lab Carrier One (00101)  lte   80% (-90 dBm)  -          -\n");
}

TEST(HumanOutputTest, StatusLeadsWithTheDaemonThenItsUplinks) {
  nlohmann::json snapshot = {
      {"manager",
       {{"Version", "0.1.0"}, {"State", "degraded"}, {"UplinksUp", 1}, {"UplinksConfigured", 2},
        {"ConfigGeneration", 3}, {"ConfigPath", "/etc/uplinkd/uplinkd.toml"}, {"LogLevel", "info"},
        {"LastReload", "applied"}, {"Paths", nlohmann::json::object()}}},
      {"modems", nlohmann::json::array({Modem("modem1", true)})},
      {"wans", nlohmann::json::array()},
      {"alert_relay", nullptr}};
  auto text = FormatStatus(snapshot, false);
  EXPECT_EQ(text.substr(0, text.find('\n')),
            "uplinkd 0.1.0 degraded  1 of 2 uplinks up  config generation 3 (/etc/uplinkd/uplinkd.toml)  log level info");
  EXPECT_NE(text.find("last reload: applied"), std::string::npos);
  EXPECT_NE(text.find("modem1  connected"), std::string::npos);
}

TEST(HumanOutputTest, CellsAndEvents) {
  EXPECT_EQ(CellText(true), "yes");
  EXPECT_EQ(CellText(""), "-");
  EXPECT_EQ(CellText(nlohmann::json::array({"a", "b"})), "a, b");
  EXPECT_EQ(CellText({{"bearer_drops", 1}, {"resets", 0}}), "bearer_drops=1 resets=0");
  EXPECT_EQ(CellText(-90.5), "-90.5");
  nlohmann::json event = {{"time", "12:00:00.250"},
                          {"event", "changed"},
                          {"object", "Modem/modem1"},
                          {"properties", {{"WanUp", false}, {"Phase", "backing-off"}}}};
  EXPECT_EQ(FormatEvent(event, false), "12:00:00.250  Modem/modem1  changed  Phase=backing-off  WanUp=no\n");
}

TEST(HumanOutputTest, DetailAlignsKeys) {
  EXPECT_EQ(FormatDetail({{"Name", "modem1"}, {"WanUp", true}}, false), "Name:  modem1\nWanUp: yes\n");
}

}  // namespace
}  // namespace uplinkd::ctl

namespace uplinkd::ctl {
namespace {

TEST(HumanOutputTest, AuditTableShowsPermittedAndRefused) {
  auto rows = nlohmann::json::parse(R"([
    {"seq": 1, "time_ms": 0, "principal": "uid:65534", "via": "dbus :1.9", "command": "wan-administrative-state",
     "arguments": "wan=cell1 state=down", "permitted": false, "outcome": "permission-denied", "message": "no"},
    {"seq": 2, "time_ms": 0, "principal": "uid:0", "via": "dbus :1.10", "command": "reload", "arguments": "",
     "permitted": true, "outcome": "ok", "message": "generation 2"}])");
  auto text = FormatAuditTable(rows, false);
  EXPECT_NE(text.find("PRINCIPAL"), std::string::npos);
  EXPECT_NE(text.find("refused: no"), std::string::npos) << text;
  EXPECT_NE(text.find("ok: generation 2"), std::string::npos) << text;
  EXPECT_NE(text.find("wan=cell1 state=down"), std::string::npos) << text;
}

}  // namespace
}  // namespace uplinkd::ctl
