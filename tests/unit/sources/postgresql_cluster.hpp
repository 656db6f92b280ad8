// A throwaway PostgreSQL 15 cluster for the sql source's tests: initdb and pg_ctl
// under a temporary folder, listening on a free port of 127.0.0.1 only, with
// password (SCRAM) authentication for one role, stopped and removed by the
// destructor — so also when a test fails. PostgreSQL refuses to run as root, so as
// root (CI) the server runs as the `postgres` system user through runuser.
//
// The binaries are found in /usr/lib/postgresql/15/bin (Debian's postgresql-15), or
// in $PARCOURS_PG_BIN.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace parcours::sources::test {

class PostgresqlCluster {
 public:
  static constexpr const char* kUser = "parcours";
  static constexpr const char* kPassword = "s3cret-pw";

  PostgresqlCluster() {
    const char* bin = std::getenv("PARCOURS_PG_BIN");
    bin_ = bin != nullptr ? bin : "/usr/lib/postgresql/15/bin";
    if (!std::filesystem::exists(bin_ + "/initdb"))
      throw std::runtime_error("no PostgreSQL server binaries in " + bin_ +
                               ": install postgresql (scripts/install-deps) or set PARCOURS_PG_BIN");
    char pattern[] = "/tmp/parcours-pg-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) throw std::runtime_error("cannot create a folder for the test cluster");
    dir_ = pattern;
    as_postgres_ = ::geteuid() == 0;
    std::ofstream(dir_ + "/password") << kPassword << "\n";
    if (as_postgres_) run("chown -R postgres:postgres " + dir_);
    port_ = free_port();
    try {
      run(server_command("initdb -D " + dir_ + "/data -U " + kUser + " --pwfile=" + dir_ +
                         "/password -A scram-sha-256 -E UTF8 --locale=C --no-sync > " + dir_ + "/initdb.log 2>&1"));
      run(server_command("pg_ctl -D " + dir_ + "/data -l " + dir_ + "/server.log -w -t 60 -o \"-p " +
                         std::to_string(port_) + " -c listen_addresses=127.0.0.1 -k " + dir_ +
                         " -c fsync=off\" start > " + dir_ + "/pg_ctl.log 2>&1"));
    } catch (...) {
      std::system(("cat " + dir_ + "/*.log >&2").c_str());
      remove();
      throw;
    }
  }

  ~PostgresqlCluster() {
    std::system(server_command("pg_ctl -D " + dir_ + "/data -m immediate -w stop > /dev/null 2>&1").c_str());
    remove();
  }

  PostgresqlCluster(const PostgresqlCluster&) = delete;
  PostgresqlCluster& operator=(const PostgresqlCluster&) = delete;

  int port() const { return port_; }
  std::string url(const std::string& password = kPassword) const {
    return std::string("postgresql://") + kUser + ":" + password + "@127.0.0.1:" + std::to_string(port_) + "/postgres";
  }

  // Runs SQL through psql; returns what it prints (unaligned, tuples only). Throws
  // when psql fails.
  std::string psql(const std::string& sql) const {
    const std::string file = dir_ + "/script.sql";
    std::ofstream(file) << sql;
    const std::string command = std::string("PGPASSWORD=") + kPassword + " " + bin_ +
                                "/psql -X -q -A -t -h 127.0.0.1 -p " + std::to_string(port_) + " -U " + kUser +
                                " -d postgres -v ON_ERROR_STOP=1 -f " + file + " 2>&1";
    std::string out;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) throw std::runtime_error("cannot run psql");
    char buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
    if (::pclose(pipe) != 0) throw std::runtime_error("psql failed: " + out);
    return out;
  }

 private:
  static int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      ::close(fd);
      throw std::runtime_error("cannot find a free port on 127.0.0.1");
    }
    ::close(fd);
    return ntohs(address.sin_port);
  }

  std::string server_command(const std::string& command) const {
    const std::string full = "cd " + dir_ + " && " + bin_ + "/" + command;
    return as_postgres_ ? "runuser -u postgres -- sh -c '" + full + "'" : full;
  }

  static void run(const std::string& command) {
    if (std::system(command.c_str()) != 0) throw std::runtime_error("the test cluster failed: " + command);
  }

  void remove() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string bin_;
  std::string dir_;
  bool as_postgres_ = false;
  int port_ = 0;
};

}  // namespace parcours::sources::test
