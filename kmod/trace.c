// SPDX-License-Identifier: GPL-2.0
/*
 * msgport: the tracepoints' definitions.  The events themselves, what they
 * record and where they fire, are described in trace.h; this file only
 * instantiates them (CREATE_TRACE_POINTS, here and nowhere else), and so
 * holds the tracepoints' static keys, which the other files' trace_*()
 * calls branch on.
 */
#define CREATE_TRACE_POINTS
#include "trace.h"
