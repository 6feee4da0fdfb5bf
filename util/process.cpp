#include "util/process.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace vmforge {

command_result run_command(const std::vector<std::string>& argv) {
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
  auto pid = ::fork();
  if (pid == 0) {
    ::dup2(err[1], STDERR_FILENO);
    int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) {
      ::dup2(null, STDIN_FILENO);
      ::dup2(null, STDOUT_FILENO);
    }
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
  char buf[4096];
  for (;;) {
    auto n = ::read(err[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    if (out.error.size() < 4096)
      out.error.append(buf, static_cast<size_t>(n));
  }
  ::close(err[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  out.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  while (!out.error.empty()
         && (out.error.back() == '\n' || out.error.back() == '\r'))
    out.error.pop_back();
  if (out.status == 127 && out.error.empty())
    out.error = argv[0] + ": command not found";
  return out;
}

} // namespace vmforge
