#include "images/qemu_img.hpp"

#include <cerrno>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>

namespace json = boost::json;

namespace vmforge::images {

namespace {

struct run_result {
  int status = -1; // exit status, or -1 if it did not exit normally
  std::string out;
  std::string err;
};

struct pipe_pair {
  int fd[2] = {-1, -1};
  ~pipe_pair() {
    for (auto f : fd)
      if (f >= 0)
        ::close(f);
  }
  void close_end(int i) {
    if (fd[i] >= 0)
      ::close(fd[i]);
    fd[i] = -1;
  }
};

// Runs argv[0] (looked up in PATH) with stdout and stderr captured. The
// child closes nothing else: every descriptor vmforge opens is O_CLOEXEC.
run_result run(std::vector<std::string> args, bool limited) {
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  pipe_pair out, err;
  if (::pipe2(out.fd, O_CLOEXEC) != 0 || ::pipe2(err.fd, O_CLOEXEC) != 0)
    throw qemu_img_error(std::string{"cannot run qemu-img: pipe: "}
                           + std::strerror(errno),
                         false);
  auto pid = ::fork();
  if (pid < 0)
    throw qemu_img_error(std::string{"cannot run qemu-img: fork: "}
                           + std::strerror(errno),
                         false);
  if (pid == 0) {
    // Only async-signal-safe calls until exec.
    ::dup2(out.fd[1], STDOUT_FILENO);
    ::dup2(err.fd[1], STDERR_FILENO);
    if (limited) {
      // Nova's QEMU_IMG_LIMITS.
      rlimit as{1024L * 1024 * 1024, 1024L * 1024 * 1024};
      rlimit cpu{30, 30};
      ::setrlimit(RLIMIT_AS, &as);
      ::setrlimit(RLIMIT_CPU, &cpu);
    }
    ::execvp(argv[0], argv.data());
    static const char msg[] = "cannot execute qemu-img\n";
    auto ignored = ::write(STDERR_FILENO, msg, sizeof msg - 1);
    (void) ignored;
    ::_exit(127);
  }
  out.close_end(1);
  err.close_end(1);
  run_result res;
  pollfd fds[2] = {{out.fd[0], POLLIN, 0}, {err.fd[0], POLLIN, 0}};
  std::string* sinks[2] = {&res.out, &res.err};
  int open = 2;
  char buf[4096];
  while (open > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0)
        continue;
      auto n = ::read(fds[i].fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0) {
        fds[i].fd = -1; // poll ignores negative descriptors
        --open;
        continue;
      }
      sinks[i]->append(buf, static_cast<size_t>(n));
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  res.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return res;
}

// qemu-img's first line of error, as Nova's ProcessExecutionError shows it.
std::string first_line(std::string text) {
  auto nl = text.find('\n');
  if (nl != std::string::npos)
    text.resize(nl);
  return text.empty() ? "no output" : text;
}

std::string text_of(const json::object& o, const char* key) {
  auto i = o.find(key);
  if (i == o.end() || !i->value().is_string())
    return {};
  return std::string{i->value().as_string()};
}

} // namespace

disk_info qemu_img_info(const std::string& path) {
  auto res = run({"qemu-img", "info", "--output=json", path}, true);
  if (res.status != 0)
    throw qemu_img_error("qemu-img info of " + path + " failed: "
                           + first_line(res.err),
                         res.status != 127);
  disk_info info;
  try {
    auto doc = json::parse(res.out).as_object();
    info.format = text_of(doc, "format");
    if (auto v = doc.if_contains("virtual-size"))
      info.virtual_size = v->to_number<int64_t>();
    info.backing_file = text_of(doc, "backing-filename");
    if (auto spec = doc.if_contains("format-specific");
        spec && spec->is_object())
      if (auto data = spec->as_object().if_contains("data");
          data && data->is_object())
        info.data_file = text_of(data->as_object(), "data-file");
  } catch (const std::exception& e) {
    throw qemu_img_error("qemu-img info of " + path
                           + ": cannot read its output: " + e.what(),
                         true);
  }
  if (info.format.empty())
    throw qemu_img_error("qemu-img info of " + path + " names no format",
                         true);
  return info;
}

void qemu_img_convert(const std::string& src, const std::string& from,
                      const std::string& dst, const std::string& to) {
  auto res = run({"qemu-img", "convert", "-q", "-f", from, "-O", to, src, dst},
                 false);
  if (res.status != 0)
    throw qemu_img_error("qemu-img convert of " + src + " to " + to
                           + " failed: " + first_line(res.err),
                         res.status != 127);
}

std::string probed_format_of(const std::string& disk_format) {
  if (disk_format == "ami" || disk_format == "aki" || disk_format == "ari"
      || disk_format == "iso")
    return "raw";
  return disk_format;
}

std::string base_format_of(const std::string& disk_format) {
  auto probed = probed_format_of(disk_format);
  return probed == "raw" || probed == "qcow2" ? probed : "qcow2";
}

} // namespace vmforge::images
