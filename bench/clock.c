/* Effective core clock of this machine: 1e9 dependent register adds (`add %0,%0`, 1-cycle
 * latency, not foldable by the renamer the way `add $1` chains are on recent Intel cores).
 * Build and run: gcc -O2 -o /tmp/clock bench/clock.c && /tmp/clock
 * Used by bench/README.md to turn uop counts into comparisons per second. */
#include <stdio.h>
#include <time.h>
int main(void) {
  long n = 1000000000L;
  unsigned long x = 1;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < n; i += 8) {
    __asm__ volatile("add %0,%0\n add %0,%0\n add %0,%0\n add %0,%0\n"
                     "add %0,%0\n add %0,%0\n add %0,%0\n add %0,%0"
                     : "+r"(x));
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  double s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
  printf("%.3f GHz (1e9 dependent adds in %.3f s)\n", n / s / 1e9, s);
  return x == 12345;
}
