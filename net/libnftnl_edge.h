#pragma once
// NftablesEdge on the kernel: each call is one nf_tables netlink transaction built with libnftnl
// and sent over a libmnl socket, so a table is replaced atomically. The socket belongs to the
// network namespace of the thread that calls Create(). libnftnl and libmnl stay in the .cc file.
#include <cstdint>
#include <memory>

#include "net/nftables_edge.h"

struct mnl_socket;

namespace uplinkd::net {

class LibnftnlEdge : public NftablesEdge {
 public:
  static Result<std::unique_ptr<LibnftnlEdge>> Create();
  ~LibnftnlEdge() override;
  LibnftnlEdge(const LibnftnlEdge&) = delete;
  LibnftnlEdge& operator=(const LibnftnlEdge&) = delete;

  Result<void> ApplyTable(const nft::Table& table) override;
  Result<void> DeleteTable(nft::Family family, const std::string& name) override;
  Result<bool> TableExists(nft::Family family, const std::string& name) override;

  // The netlink port of this edge's socket: the kernel's notifications of its transactions
  // carry it, so a monitor can tell them from other processes' (LibmnlNftablesMonitor).
  uint32_t portid() const;

 private:
  explicit LibnftnlEdge(mnl_socket* socket) : socket_(socket) {}

  mnl_socket* socket_;
  uint32_t next_sequence_ = 1;
};

}  // namespace uplinkd::net
