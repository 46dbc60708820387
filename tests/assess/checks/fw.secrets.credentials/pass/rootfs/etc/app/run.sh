#!/bin/sh
PASSWORD="$(cat /run/secret)"
