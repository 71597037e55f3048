// Realtime factor of NeuralAmpModelerCore (native C++) on one .nam file: the reference column of
// bench/engine.py. Built and run by bench/nam_core_native.py; measures the way bench/timing.py does:
//
//   nam_core_native MODEL.nam BLOCK SECONDS RUNS [--fast-tanh]
//
// Loads the model with nam::get_dsp, Reset(sample rate, BLOCK) (NAM Core prewarms there), feeds
// BLOCK-sample blocks of noise (standard deviation 0.1, about -20 dBFS), warms up for 0.3 CPU
// seconds, then times RUNS passes over SECONDS of audio with this process's CPU clock. Prints the
// median realtime factor (seconds of audio per CPU-second) on stdout; errors go to stderr, exit 1.
// Exact tanh unless --fast-tanh (the NAM plugin's setting).

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "NAM/activations.h"
#include "NAM/dsp.h"
#include "NAM/get_dsp.h"

namespace
{
double cpu_seconds()
{
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

int usage()
{
  std::cerr << "usage: nam_core_native MODEL.nam BLOCK SECONDS RUNS [--fast-tanh]\n";
  return 1;
}
} // namespace

int main(int argc, char* argv[])
{
  if (argc < 5 || argc > 6)
    return usage();
  const std::filesystem::path model_path(argv[1]);
  const int block = std::atoi(argv[2]);
  const double audio_seconds = std::atof(argv[3]);
  const int runs = std::atoi(argv[4]);
  const bool fast_tanh = argc == 6 && std::string(argv[5]) == "--fast-tanh";
  if (block < 1 || audio_seconds <= 0.0 || runs < 1 || (argc == 6 && !fast_tanh))
    return usage();

  if (fast_tanh)
    nam::activations::Activation::enable_fast_tanh();
  else
    nam::activations::Activation::disable_fast_tanh();

  std::unique_ptr<nam::DSP> model;
  try
  {
    model = nam::get_dsp(model_path);
  }
  catch (const std::exception& error)
  {
    std::cerr << "NAM Core cannot load " << model_path << ": " << error.what() << "\n";
    return 1;
  }
  if (!model)
  {
    std::cerr << "NAM Core cannot load " << model_path << "\n";
    return 1;
  }
  const double sample_rate = model->GetExpectedSampleRate() > 0 ? model->GetExpectedSampleRate() : 48000.0;
  model->Reset(sample_rate, block);

  // 64 distinct noise blocks per input channel, cycled; one output buffer per channel.
  const int in_channels = model->NumInputChannels();
  const int out_channels = model->NumOutputChannels();
  const int distinct = 64;
  std::mt19937 rng(0);
  std::normal_distribution<double> normal(0.0, 0.1);
  std::vector<std::vector<NAM_SAMPLE>> noise(distinct * in_channels, std::vector<NAM_SAMPLE>(block));
  for (auto& samples : noise)
    for (auto& sample : samples)
      sample = static_cast<NAM_SAMPLE>(normal(rng));
  std::vector<std::vector<NAM_SAMPLE>> outputs(out_channels, std::vector<NAM_SAMPLE>(block));
  std::vector<NAM_SAMPLE*> output_ptrs(out_channels);
  for (int ch = 0; ch < out_channels; ch++)
    output_ptrs[ch] = outputs[ch].data();
  std::vector<std::vector<NAM_SAMPLE*>> input_ptrs(distinct, std::vector<NAM_SAMPLE*>(in_channels));
  for (int i = 0; i < distinct; i++)
    for (int ch = 0; ch < in_channels; ch++)
      input_ptrs[i][ch] = noise[i * in_channels + ch].data();

  const long n_blocks = std::max(1L, std::lround(audio_seconds * sample_rate / block));
  const double deadline = cpu_seconds() + 0.3;
  for (long i = 0; cpu_seconds() < deadline || i < 4; i++)
    model->process(input_ptrs[i % distinct].data(), output_ptrs.data(), block);

  std::vector<double> factors;
  double checksum = 0.0;
  for (int run = 0; run < runs; run++)
  {
    const double start = cpu_seconds();
    for (long i = 0; i < n_blocks; i++)
      model->process(input_ptrs[i % distinct].data(), output_ptrs.data(), block);
    const double elapsed = std::max(cpu_seconds() - start, 1e-9);
    factors.push_back(static_cast<double>(n_blocks) * block / sample_rate / elapsed);
    checksum += outputs[0][block - 1];
  }
  if (!std::isfinite(checksum))
  {
    std::cerr << "NAM Core produced non-finite output for " << model_path << "\n";
    return 1;
  }
  std::sort(factors.begin(), factors.end());
  const size_t mid = factors.size() / 2;
  const double median = factors.size() % 2 ? factors[mid] : 0.5 * (factors[mid - 1] + factors[mid]);
  std::cout << median << "\n";
  return 0;
}
