#include "util/process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace vmforge {

namespace {

using clock = std::chrono::steady_clock;

// Reads the child's output until it closes it or the deadline passes;
// false on the deadline.
bool drain(int fd, std::string& out, bool bounded, clock::time_point deadline) {
  char buf[4096];
  for (;;) {
    int wait_ms = -1;
    if (bounded) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - clock::now())
                    .count();
      if (left <= 0)
        return false;
      wait_ms = static_cast<int>(left);
    }
    pollfd p{fd, POLLIN, 0};
    auto r = ::poll(&p, 1, wait_ms);
    if (r < 0 && errno == EINTR)
      continue;
    if (r == 0)
      return false;
    auto n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return true;
    if (out.size() < 4096)
      out.append(buf, static_cast<size_t>(n));
  }
}

} // namespace

command_result run_command(const std::vector<std::string>& argv,
                           std::chrono::milliseconds timeout) {
  command_result out;
  if (argv.empty()) {
    out.status = 127;
    out.error = "no program to run";
    return out;
  }
  int err[2];
  if (::pipe2(err, O_CLOEXEC) != 0) {
    out.status = 127;
    out.error = std::string{"pipe: "} + std::strerror(errno);
    return out;
  }
  std::vector<char*> args;
  for (auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  auto deadline = clock::now() + timeout;
  auto pid = ::fork();
  if (pid == 0) {
    ::dup2(err[1], STDERR_FILENO);
    ::dup2(err[1], STDOUT_FILENO);
    int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0)
      ::dup2(null, STDIN_FILENO);
    ::execvp(args[0], args.data());
    _exit(127);
  }
  ::close(err[1]);
  if (pid < 0) {
    ::close(err[0]);
    out.status = 127;
    out.error = std::string{"fork: "} + std::strerror(errno);
    return out;
  }
  if (!drain(err[0], out.error, timeout.count() > 0, deadline)) {
    ::kill(pid, SIGKILL);
    out.timed_out = true;
  }
  ::close(err[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  out.status = WIFEXITED(status) && !out.timed_out ? WEXITSTATUS(status) : -1;
  while (!out.error.empty()
         && (out.error.back() == '\n' || out.error.back() == '\r'))
    out.error.pop_back();
  if (out.timed_out)
    out.error = argv[0] + " did not finish within "
                + std::to_string(timeout.count()) + " ms"
                + (out.error.empty() ? "" : ": " + out.error);
  else if (out.status == 127 && out.error.empty())
    out.error = argv[0] + ": command not found";
  return out;
}

} // namespace vmforge
