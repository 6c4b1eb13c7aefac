/* core/relax: the hint a spin-wait loop gives the core (x86 `pause`: saves power and lets the
 * other hyperthread run; elsewhere nothing). */
#ifndef APICAL_RELAX_H
#define APICAL_RELAX_H

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

#endif
