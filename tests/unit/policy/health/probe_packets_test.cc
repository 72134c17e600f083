#include <gtest/gtest.h>

#include "policy/health/dns_query.h"
#include "policy/health/http_exchange.h"
#include "policy/health/icmp_echo_packet.h"

namespace uplinkd::policy {
namespace {

TEST(IcmpEchoPacketTest, ChecksumOfRfc1071Example) {
  // RFC 1071 section 3: the sum of 0001 f203 f4f5 f6f7 is ddf2, so the checksum is 220d.
  const uint8_t bytes[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(InternetChecksum(bytes), 0x220d);
  const uint8_t odd[] = {0x01};
  EXPECT_EQ(InternetChecksum(odd), 0xfeff);
}

TEST(IcmpEchoPacketTest, RequestVerifiesAndCarriesItsId) {
  auto request = BuildIcmpEchoRequest(net::IpFamily::kV4, {0x1234, 0xabcd});
  EXPECT_EQ(request[0], 8);
  EXPECT_EQ(InternetChecksum(request), 0);  // a correct checksum sums to zero
  EXPECT_EQ(request[4], 0x12);
  EXPECT_EQ(request[7], 0xcd);
  auto v6 = BuildIcmpEchoRequest(net::IpFamily::kV6, {1, 2});
  EXPECT_EQ(v6[0], 128);
  EXPECT_EQ(v6[2], 0);  // the kernel fills in ICMPv6 checksums
}

TEST(IcmpEchoPacketTest, ParsesRepliesWithAndWithoutIpHeader) {
  auto reply = BuildIcmpEchoRequest(net::IpFamily::kV4, {7, 9});
  reply[0] = 0;  // echo reply
  auto id = ParseIcmpEchoReply(net::IpFamily::kV4, reply, false);
  ASSERT_TRUE(id);
  EXPECT_EQ(*id, (IcmpEchoId{7, 9}));
  std::vector<uint8_t> with_header(20, 0);
  with_header[0] = 0x45;
  with_header.insert(with_header.end(), reply.begin(), reply.end());
  EXPECT_EQ(ParseIcmpEchoReply(net::IpFamily::kV4, with_header, true), (IcmpEchoId{7, 9}));
  // Our own request (a raw socket sees it on loopback) and short garbage are not replies.
  auto request = BuildIcmpEchoRequest(net::IpFamily::kV4, {7, 9});
  EXPECT_FALSE(ParseIcmpEchoReply(net::IpFamily::kV4, request, false));
  EXPECT_FALSE(ParseIcmpEchoReply(net::IpFamily::kV4, std::span<const uint8_t>(reply.data(), 4), false));
  auto v6 = BuildIcmpEchoRequest(net::IpFamily::kV6, {3, 4});
  v6[0] = 129;
  EXPECT_EQ(ParseIcmpEchoReply(net::IpFamily::kV6, v6, false), (IcmpEchoId{3, 4}));
}

TEST(DnsQueryTest, BuildsAnAQuestion) {
  auto query = BuildDnsQuery("probe.example.", 0xbeef);
  ASSERT_TRUE(query);
  const std::vector<uint8_t> expected = {0xbe, 0xef, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
                                         5, 'p', 'r', 'o', 'b', 'e', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0,
                                         0, 1, 0, 1};
  EXPECT_EQ(*query, expected);
  EXPECT_FALSE(BuildDnsQuery("", 1));
  EXPECT_FALSE(BuildDnsQuery("a..b", 1));
  EXPECT_FALSE(BuildDnsQuery(std::string(64, 'a') + ".example", 1));
}

TEST(DnsQueryTest, MatchesOnlyTheAnswerToItsQuery) {
  auto query = *BuildDnsQuery("probe.example", 0x0102);
  std::vector<uint8_t> response = query;
  response[2] |= 0x80;  // QR
  response[3] = 0x83;   // RA, NXDOMAIN
  auto summary = MatchDnsResponse(query, response);
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->rcode, 3);
  EXPECT_EQ(summary->answers, 0);
  // Letter case may change (DNS 0x20).
  auto mixed = response;
  mixed[13] = 'P';
  EXPECT_TRUE(MatchDnsResponse(query, mixed));
  auto other_id = response;
  other_id[1] = 0x03;
  EXPECT_FALSE(MatchDnsResponse(query, other_id));
  EXPECT_FALSE(MatchDnsResponse(query, query));  // not a response
  auto other_name = response;
  other_name[14] = 'x';
  EXPECT_FALSE(MatchDnsResponse(query, other_name));
  EXPECT_FALSE(MatchDnsResponse(query, std::span<const uint8_t>(response.data(), 10)));
}

TEST(HttpExchangeTest, RequestNamesHostAndPath) {
  ProbeTarget target;
  target.kind = ProbeKind::kHttp;
  target.address = *net::IpAddress::Parse("203.0.113.10");
  EXPECT_EQ(BuildHttpGetRequest(target),
            "GET / HTTP/1.1\r\nHost: 203.0.113.10\r\nUser-Agent: uplinkd-health\r\nConnection: close\r\n\r\n");
  target.http_host = "probe.example";
  target.http_path = "/generate_204";
  EXPECT_EQ(BuildHttpGetRequest(target).substr(0, 47), "GET /generate_204 HTTP/1.1\r\nHost: probe.example");
  target.http_host.clear();
  target.address = *net::IpAddress::Parse("2001:db8::1");
  EXPECT_NE(BuildHttpGetRequest(target).find("Host: [2001:db8::1]\r\n"), std::string::npos);
}

TEST(HttpExchangeTest, ParsesStatusLines) {
  EXPECT_EQ(ParseHttpStatusLine("HTTP/1.1 204 No Content\r\nServer: x\r\n"), 204);
  EXPECT_EQ(ParseHttpStatusLine("HTTP/1.0 404\r\n"), 404);
  EXPECT_FALSE(ParseHttpStatusLine("HTTP/1.1 20"));  // incomplete
  EXPECT_EQ(ParseHttpStatusLine("SSH-2.0-OpenSSH\r\n"), -1);
  EXPECT_EQ(ParseHttpStatusLine("HTTP/1.1 2x4 OK\r\n"), -1);
  EXPECT_EQ(ParseHttpStatusLine(std::string(600, 'a')), -1);
}

}  // namespace
}  // namespace uplinkd::policy
