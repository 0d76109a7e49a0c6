# SPDX-License-Identifier: GPL-2.0
#
# bench/plot.gp: the PNG plots of a msgport-bench run, from its --tsv file.
#   gnuplot -e "tsv='bench/results/bench.tsv'; outdir='bench/results'" bench/plot.gp
# Writes latency.png (round-trip p50 by message size) and throughput.png
# (streaming MB/s by message size): one line per mechanism, log axes;
# msgport's mechanisms drawn thick, the floors dashed.

if (!exists("tsv")) tsv = 'bench/results/bench.tsv'
if (!exists("outdir")) outdir = 'bench/results'
if (!exists("subtitle")) subtitle = ''

mechs = system("awk '!/^#/ && !seen[$1]++ { print $1 }' " . tsv . " | tr '\\n' ' '")
kinds = system("awk '!/^#/ && !seen[$1]++ { print $2 }' " . tsv . " | tr '\\n' ' '")
kind(i) = word(kinds, i)
lw(i) = kind(i) eq 'msgport' ? 3.5 : 1.5
dt(i) = kind(i) eq 'floor' ? 2 : 1

set terminal pngcairo size 1100,750 font ',10'
set datafile separator '\t'
set datafile missing 'NaN'
set logscale xy
set grid xtics ytics mxtics mytics lc rgb '#dddddd'
set key outside right top
set xlabel 'message size (bytes)'
set xtics ('8' 8, '64' 64, '1 Ki' 1024, '16 Ki' 16384, '64 Ki' 65536, '1 Mi' 1048576)
set format y '%g'

set output outdir . '/latency.png'
set title "Round-trip latency, median (µs; lower is better)\n" . subtitle
set ylabel 'µs'
plot for [i=1:words(mechs)] tsv using ((strcol(1) eq word(mechs, i)) ? $3 : NaN):4 \
	with linespoints lw lw(i) dt dt(i) pt (i % 13) + 1 ps 0.9 title word(mechs, i)

# Mechanisms without a payload (system call floors) have no bandwidth.
mechs = system("awk -F'\t' '!/^#/ && $8 != \"NaN\" && !seen[$1]++ { print $1 }' " . tsv . " | tr '\n' ' '")
kinds = system("awk -F'\t' '!/^#/ && $8 != \"NaN\" && !seen[$1]++ { print $2 }' " . tsv . " | tr '\n' ' '")

set output outdir . '/throughput.png'
set title "Streaming throughput (MB/s, 10^6 bytes; higher is better)\n" . subtitle
set ylabel 'MB/s'
plot for [i=1:words(mechs)] tsv using ((strcol(1) eq word(mechs, i)) ? $3 : NaN):8 \
	with linespoints lw lw(i) dt dt(i) pt (i % 13) + 1 ps 0.9 title word(mechs, i)
