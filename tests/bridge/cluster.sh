# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Scenario "cluster" (guest.sh runs it first when another scenario needs
# the cluster): three nats-servers clustered with JetStream on the guest's
# loopback, ready once a 3-replica stream takes a message (PubAck) and a
# durable pull consumer gets it back (nats-probe js).  The servers keep
# running for the scenarios after it.
cluster_start
