#include "core/files.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

namespace broadsheet {
namespace {

namespace fs = std::filesystem;

class SmallFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("files-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& content) {
    const auto path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  fs::path dir_;
};

TEST_F(SmallFile, ReadsAFileUpToItsLimit) {
  auto text = read_small_file(write("a", "hello"), 5);
  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_EQ(*text, "hello");
}

TEST_F(SmallFile, RefusesAFileOverItsLimitNamingIt) {
  const auto path = write("big", std::string(6, 'x'));
  auto text = read_small_file(path, 5);
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().code, Errc::invalid_argument);
  EXPECT_EQ(text.error().message, path + " is larger than 5 bytes");
}

TEST_F(SmallFile, TellsAMissingFileFromOtherFailures) {
  auto missing = read_small_file((dir_ / "none").string(), 10);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
  auto folder = read_small_file(dir_.string(), 10);
  ASSERT_FALSE(folder.ok());
  EXPECT_EQ(folder.error().code, Errc::io);
  EXPECT_EQ(folder.error().message, dir_.string() + " is not a regular file");
}

// A FIFO with no writer would block an ordinary open; the server's reads refuse it at
// once, and only a command-line read accepts a pipe, read to its end.
TEST_F(SmallFile, AFifoIsRefusedWithoutBlockingUnlessPipesAreAccepted) {
  const auto fifo = (dir_ / "fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto refused = read_small_file(fifo, 10);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message, fifo + " is not a regular file");

  std::thread writer([&] { std::ofstream(fifo, std::ios::binary) << "from a pipe"; });
  auto piped = read_small_file(fifo, 64, FileKinds::regular_or_pipe);
  writer.join();
  ASSERT_TRUE(piped.ok()) << piped.error().message;
  EXPECT_EQ(*piped, "from a pipe");
}

TEST_F(SmallFile, APipeLongerThanTheLimitIsRefused) {
  const auto fifo = (dir_ / "long").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // One atomic write (under PIPE_BUF): no SIGPIPE when the reader gives up early.
  std::thread writer([&] { std::ofstream(fifo, std::ios::binary) << std::string(2000, 'y'); });
  auto piped = read_small_file(fifo, 1000, FileKinds::regular_or_pipe);
  ASSERT_FALSE(piped.ok());
  EXPECT_EQ(piped.error().code, Errc::invalid_argument);
  writer.join();
}

}  // namespace
}  // namespace broadsheet
