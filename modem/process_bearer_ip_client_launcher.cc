#include "modem/process_bearer_ip_client_launcher.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include <fmt/format.h>

#include "modem/pppd_log_reader.h"
#include "modem/udhcpc_event.h"

namespace uplinkd::modem {
namespace {

const std::vector<std::string> kHelperEnvironment = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
constexpr std::chrono::milliseconds kPppReportSettle{50};

std::string Quote(const std::string& text) {
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

// Writes `content` to `path` atomically with `mode`, never following a symlink at `path`.
Result<void> WriteFileAtomically(const std::string& path, const std::string& content, mode_t mode) {
  std::string temporary = path + ".new";
  ::unlink(temporary.c_str());
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return MakeError(ErrorCode::kSystem, "create " + temporary, errno);
  bool ok = ::fchmod(fd, mode) == 0;
  size_t written = 0;
  while (ok && written < content.size()) {
    ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n <= 0) ok = false;
    else written += static_cast<size_t>(n);
  }
  int saved = errno;
  if (::close(fd) != 0) ok = false;
  if (!ok || ::rename(temporary.c_str(), path.c_str()) != 0) {
    saved = errno;
    ::unlink(temporary.c_str());
    return MakeError(ErrorCode::kSystem, "write " + path, saved);
  }
  return {};
}

}  // namespace

// busybox udhcpc on the data interface; each event line of our script becomes a listener call.
class ProcessBearerIpClientLauncher::DhcpClient : public BearerIpClient {
 public:
  DhcpClient(ProcessBearerIpClientLauncher& launcher, BearerIpClientRequest request, Listener listener)
      : launcher_(launcher), request_(std::move(request)), listener_(std::move(listener)) {}
  ~DhcpClient() override { launcher_.Retire(std::move(child_), "udhcpc on " + request_.interface); }

  Result<void> Run(const std::vector<std::string>& argv) {
    ChildProcess::Handlers handlers;
    handlers.line = [this](const std::string& line) { OnLine(line); };
    handlers.exited = [this](const ChildProcess::ExitStatus& status) {
      auto exited = listener_.exited;  // a copy: the call may destroy this client
      exited("udhcpc " + ChildProcess::Describe(status));
    };
    auto child = ChildProcess::Spawn(launcher_.io_, argv, kHelperEnvironment, std::move(handlers));
    if (!child) return tl::unexpected(child.error());
    child_ = std::move(*child);
    launcher_.log_.Info("{}: udhcpc started on {} (pid {})", request_.modem_name, request_.interface, child_->pid());
    return {};
  }

 private:
  void OnLine(const std::string& line) {
    auto event = ParseUdhcpcEvent(line);
    if (!event) {
      launcher_.log_.Debug("{}: {}", request_.modem_name, line);  // udhcpc's own chatter
      return;
    }
    launcher_.log_.Info("{}: DHCP {} on {}", request_.modem_name, event->event, request_.interface);
    if (event->lease) {
      BearerIpLease lease{request_.interface, *event->lease, false};
      if (last_ && *last_ == lease) return;  // a renewal that changed nothing
      last_ = lease;
      auto configured = listener_.configured;  // a copy: the call may destroy this client
      configured(lease);
    } else if ((event->event == "deconfig" || event->event == "nak") && last_) {
      last_.reset();
      auto lost = listener_.lost;
      lost("DHCP " + event->event);
    }
  }

  ProcessBearerIpClientLauncher& launcher_;
  BearerIpClientRequest request_;
  Listener listener_;
  std::unique_ptr<ChildProcess> child_;
  std::optional<BearerIpLease> last_;
};

// pppd on the modem's port; its log lines say which interface it got and with which addresses.
class ProcessBearerIpClientLauncher::PppClient : public BearerIpClient {
 public:
  PppClient(ProcessBearerIpClientLauncher& launcher, BearerIpClientRequest request, Listener listener,
            std::string options_path)
      : launcher_(launcher), request_(std::move(request)), listener_(std::move(listener)),
        options_path_(std::move(options_path)) {}
  ~PppClient() override {
    RemoveOptions();
    launcher_.Retire(std::move(child_), "pppd on " + request_.interface);
  }

  Result<void> Run(const std::vector<std::string>& argv) {
    ChildProcess::Handlers handlers;
    handlers.line = [this](const std::string& line) { OnLine(line); };
    handlers.exited = [this](const ChildProcess::ExitStatus& status) {
      RemoveOptions();
      auto exited = listener_.exited;  // a copy: the call may destroy this client
      exited("pppd " + ChildProcess::Describe(status));
    };
    auto child = ChildProcess::Spawn(launcher_.io_, argv, kHelperEnvironment, std::move(handlers));
    if (!child) return tl::unexpected(child.error());
    child_ = std::move(*child);
    launcher_.log_.Info("{}: pppd started on {} (pid {})", request_.modem_name, request_.interface, child_->pid());
    return {};
  }

 private:
  void OnLine(const std::string& line) {
    launcher_.log_.Info("{}: pppd: {}", request_.modem_name, line);
    if (!reader_.Feed(line) || !reader_.Lease()) return;
    // pppd logs the local address, the peer and the DNS servers in a burst of separate writes:
    // report once, a moment after its start, rather than once per line.
    if (!report_timer_.armed()) {
      report_timer_ = launcher_.scheduler_.RunAfter(kPppReportSettle, [this] {
        report_timer_ = TimerHandle();
        auto configured = listener_.configured;  // a copy: the call may destroy this client
        if (auto lease = reader_.Lease()) configured(*lease);
      });
    }
  }
  void RemoveOptions() {
    if (!options_path_.empty()) ::unlink(options_path_.c_str());
    options_path_.clear();
  }

  ProcessBearerIpClientLauncher& launcher_;
  BearerIpClientRequest request_;
  Listener listener_;
  std::string options_path_;
  std::unique_ptr<ChildProcess> child_;
  PppdLogReader reader_;
  TimerHandle report_timer_;
};

ProcessBearerIpClientLauncher::ProcessBearerIpClientLauncher(boost::asio::io_context& io, Scheduler& scheduler,
                                                             Settings settings)
    : io_(io), scheduler_(scheduler), settings_(std::move(settings)) {}

ProcessBearerIpClientLauncher::~ProcessBearerIpClientLauncher() {
  retired_.clear();  // each still running gets SIGKILL and is reaped
}

std::vector<std::string> ProcessBearerIpClientLauncher::DhcpArguments(const Settings& settings,
                                                                      const BearerIpClientRequest& request,
                                                                      const std::string& script_path) {
  std::vector<std::string> argv = settings.dhcp_client;
  // -f: stay in the foreground (our child, watched by pidfd); -O mtu: ask for option 26 too;
  // -t/-T/-A: 3 discovers 2 s apart, then 5 s pause, forever (the supervisor bounds the wait).
  for (const char* argument : {"-f", "-i"}) argv.emplace_back(argument);
  argv.push_back(request.interface);
  argv.emplace_back("-s");
  argv.push_back(script_path);
  for (const char* argument : {"-O", "mtu", "-t", "3", "-T", "2", "-A", "5"}) argv.emplace_back(argument);
  return argv;
}

std::string ProcessBearerIpClientLauncher::PppDevice(const std::string& bearer_interface) {
  if (!bearer_interface.empty() && bearer_interface[0] == '/') return bearer_interface;
  return "/dev/" + bearer_interface;
}

std::vector<std::string> ProcessBearerIpClientLauncher::PppArguments(const Settings& settings,
                                                                     const BearerIpClientRequest& request,
                                                                     const std::string& options_path) {
  std::vector<std::string> argv{settings.pppd, PppDevice(request.interface)};
  // nodetach: our child, its log on stdout. local: ModemManager dialled and hangs up; pppd must
  // not wait for carrier detect or drop DTR. noauth: the network does not authenticate to us.
  // noipdefault + usepeerdns: address and DNS come from the network. No default route: routes
  // belong to the policy layer. maxfail 1 and no persist: redialling is the supervisor's job.
  for (const char* argument : {"nodetach", "local", "noauth", "noipdefault", "usepeerdns", "nodefaultroute",
                               "noreplacedefaultroute", "maxfail", "1"}) {
    argv.emplace_back(argument);
  }
  argv.emplace_back("lcp-echo-interval");
  argv.push_back(std::to_string(settings.lcp_echo_interval_s));
  argv.emplace_back("lcp-echo-failure");
  argv.push_back(std::to_string(settings.lcp_echo_failure));
  argv.emplace_back("unit");
  argv.push_back(std::to_string(request.ppp_unit));
  argv.emplace_back("ipparam");
  argv.push_back("uplinkd-" + request.modem_name);
  if (!options_path.empty()) {
    argv.emplace_back("file");
    argv.push_back(options_path);
  }
  return argv;
}

std::string ProcessBearerIpClientLauncher::PppCredentialsOptions(const BearerIpClientRequest& request) {
  std::string text;
  if (!request.user.empty()) text += "user " + Quote(request.user) + "\n";
  if (!request.password.empty()) text += "password " + Quote(request.password) + "\n";
  return text;
}

Result<void> ProcessBearerIpClientLauncher::PrepareRuntimeDir() {
  std::error_code error;
  std::filesystem::create_directories(settings_.runtime_dir, error);
  if (error) return MakeError(ErrorCode::kSystem, "create " + settings_.runtime_dir, error.value());
  struct stat info {};
  if (::lstat(settings_.runtime_dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode) || info.st_uid != ::geteuid()) {
    return MakeError(ErrorCode::kPermissionDenied, settings_.runtime_dir + " is not a directory of ours");
  }
  if ((info.st_mode & 077) != 0 && ::chmod(settings_.runtime_dir.c_str(), 0700) != 0) {
    return MakeError(ErrorCode::kSystem, "chmod 0700 " + settings_.runtime_dir, errno);
  }
  return {};
}

Result<std::string> ProcessBearerIpClientLauncher::WriteUdhcpcScript() {
  std::string path = settings_.runtime_dir + "/udhcpc-event";
  if (auto written = WriteFileAtomically(path, UdhcpcEventScript(), 0700); !written) {
    return tl::unexpected(written.error());
  }
  return path;
}

Result<std::string> ProcessBearerIpClientLauncher::WritePppOptions(const BearerIpClientRequest& request) {
  std::string content = PppCredentialsOptions(request);
  if (content.empty()) return std::string();
  std::string path = settings_.runtime_dir + "/ppp-" + request.modem_name + ".options";
  if (auto written = WriteFileAtomically(path, content, 0600); !written) return tl::unexpected(written.error());
  return path;
}

Result<std::unique_ptr<BearerIpClient>> ProcessBearerIpClientLauncher::Start(const BearerIpClientRequest& request,
                                                                             BearerIpClient::Listener listener) {
  if (auto prepared = PrepareRuntimeDir(); !prepared) return tl::unexpected(prepared.error());
  if (request.kind == BearerIpClientKind::kDhcp) {
    auto script = WriteUdhcpcScript();
    if (!script) return tl::unexpected(script.error());
    auto client = std::make_unique<DhcpClient>(*this, request, std::move(listener));
    if (auto run = client->Run(DhcpArguments(settings_, request, *script)); !run) return tl::unexpected(run.error());
    return client;
  }
  auto options = WritePppOptions(request);
  if (!options) return tl::unexpected(options.error());
  auto client = std::make_unique<PppClient>(*this, request, std::move(listener), *options);
  if (auto run = client->Run(PppArguments(settings_, request, *options)); !run) return tl::unexpected(run.error());
  return client;
}

void ProcessBearerIpClientLauncher::Retire(std::unique_ptr<ChildProcess> child, std::string what) {
  if (!child || !child->running()) return;
  uint64_t id = next_retired_++;
  ChildProcess::Handlers handlers;
  handlers.line = [this, what](const std::string& line) { log_.Debug("{} (stopping): {}", what, line); };
  handlers.exited = [this, id, what](const ChildProcess::ExitStatus& status) {
    log_.Info("{} stopped ({})", what, ChildProcess::Describe(status));
    retired_.erase(id);
  };
  child->SetHandlers(std::move(handlers));
  child->Signal(SIGTERM);
  TimerHandle kill_timer = scheduler_.RunAfter(settings_.stop_grace, [this, id, what] {
    auto it = retired_.find(id);
    if (it == retired_.end()) return;
    log_.Warning("{} ignored SIGTERM; killing it", what);
    it->second.child->Signal(SIGKILL);
  });
  retired_.emplace(id, Retired{std::move(child), std::move(kill_timer)});
}

}  // namespace uplinkd::modem
