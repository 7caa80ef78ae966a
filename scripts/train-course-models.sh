#!/usr/bin/env bash
# Train the course's Part B models on all 60,000 digits, a chunk of steps
# per run of the kernel, resuming after any stop.
#
#   scripts/train-course-models.sh [class|time|denoiser|denoiser-pure ...]
#
# With no names it trains all four, in that order.  Each model's full-precision
# state (weights, Adam, the learning-rate plan, shuffles and noise, and the
# place in the epoch in progress) lives in
# .cache/train/mnist-<name>-full.safetensors and is rewritten atomically
# after every chunk (half an epoch of a flow model, about 14 minutes; a
# fifth of a denoiser's), so killing this script loses at most the chunk in
# progress; running it again goes on from the last chunk, exactly as an
# uninterrupted run would (train continues an epoch at its next batch,
# with the shuffle and noise it would have drawn).  After the epochs the
# report shows (1, 5 and 10 for the flow models, 1 and 5 for the denoisers)
# it also writes the int8 file that ships: models/mnist-<name>-e<N>.safetensors.
#
# A model whose training outlasts the machine it runs on (.cache/ is not
# committed) is parked: `scripts/train-course-models.sh --park NAME` copies
# its state to models/training/, to be committed; a run on a fresh clone
# starts from there, and the run that finishes the model removes it.
#
# Environment: DIFFUSE (the kernel binary, default build/diffuse).
set -euo pipefail
cd "$(dirname "$0")/.."

diffuse="${DIFFUSE:-build/diffuse}"
state=.cache/train
parked=models/training
mkdir -p "$state"

# name: the constructor line, the epochs of the recipe, the epochs shipped,
# the steps of one run (a divisor of the epoch's batches: 938 of 64 digits,
# 235 of 256).
recipe() {
    case "$1" in
        class)         echo 'unet "class" hidden=64|10|1 5 10|469' ;;
        time)          echo 'unet "time" hidden=64|10|1 5 10|469' ;;
        denoiser)      echo 'unet "denoiser" hidden=128|5|1 5|47' ;;
        denoiser-pure) echo 'unet "denoiser" hidden=128|5|1 5|47' ;;
        *) echo "train-course-models: unknown model '$1'" \
                "(class, time, denoiser, denoiser-pure)" >&2; return 1 ;;
    esac
}

# "epochs_done epoch_batch" of a checkpoint, from its safetensors metadata
# ("0 0": none yet).
progress() {
    [ -f "$1" ] || { echo "0 0"; return; }
    python3 - "$1" <<'PY'
import json, struct, sys
with open(sys.argv[1], "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    meta = json.loads(f.read(n))["__metadata__"]
    print(meta["epochs_done"], meta.get("epoch_batch", "0"))
PY
}

# Whether checkpoint $1 is further on than checkpoint $2 (which may be absent).
further() {
    local a b
    a=$(progress "$1"); b=$(progress "$2")
    [ $(( ${a%% *} * 100000 + ${a#* } )) -gt $(( ${b%% *} * 100000 + ${b#* } )) ]
}

# Copy $1 to $2 so that $2 is never a partial file.
copy_atomic() {
    cp "$1" "$2.part" && mv -f "$2.part" "$2"
}

# Run the kernel on the lines of stdin, showing the last lines it prints
# (where the bar stopped, the loss curve's summary, the value).
run_kernel() {
    local script=$1
    cat > "$script"
    "$diffuse" --run "$script" | tail -n 4
}

train_one() {
    local name=$1 spec make total ship chunk full kept at before done batch
    spec=$(recipe "$name")
    make=${spec%%|*}; spec=${spec#*|}
    total=${spec%%|*}; spec=${spec#*|}
    ship=${spec%%|*}; chunk=${spec#*|}
    full="$state/mnist-$name-full.safetensors"
    kept="$parked/mnist-$name-full.safetensors"
    if [ -f "$kept" ] && further "$kept" "$full"; then
        echo "train-course-models: $name resumes from $kept"
        copy_atomic "$kept" "$full"
    fi
    at=$(progress "$full")
    while [ "${at%% *}" -lt "$total" ]; do
        before=$at
        done=${at%% *}; batch=${at#* }
        echo "train-course-models: $name epoch $((done + 1)) of $total," \
             "from batch $((batch + 1)) ($(date -u +%H:%M:%S))"
        {
            echo 'train_set = mnist "train"'
            if [ ! -f "$full" ]; then
                echo 'seed 180'
                echo "model = $make"
                local extra=""
                [ "$name" = denoiser-pure ] && extra=" pure_noise=true"
                echo "train model train_set epochs=1 plan=$total steps=$chunk$extra"
            else
                echo "model = load_model \"$full\""
                echo "train model train_set steps=$chunk"
            fi
            echo "save_model model \"$full\""
            echo 'model.loss'
        } | run_kernel "$state/mnist-$name-chunk.diffuse"
        at=$(progress "$full")
        if [ "$at" = "$before" ]; then
            echo "train-course-models: $name made no progress; see" \
                 "$state/mnist-$name-chunk.diffuse" >&2
            return 1
        fi
        done=${at%% *}
        for e in $ship; do
            [ "$e" -eq "$done" ] && [ "${before%% *}" -lt "$done" ] || continue
            printf '%s\n' "model = load_model \"$full\"" \
                "save_model model \"models/mnist-$name-e$e.safetensors\" int8=true optimizer=false" \
                | run_kernel "$state/mnist-$name-ship.diffuse"
        done
    done
    echo "train-course-models: $name done, $total epochs"
    if [ -f "$kept" ]; then
        rm -f "$kept"
        echo "train-course-models: removed the parked $kept; commit its removal"
    fi
}

# Copy a model's state to models/training/, where a commit carries it to the
# next machine.
park() {
    local name=$1 full kept at epochs
    full="$state/mnist-$name-full.safetensors"
    kept="$parked/mnist-$name-full.safetensors"
    [ -f "$full" ] || { echo "train-course-models: $name has no state in $state" >&2; return 1; }
    mkdir -p "$parked"
    copy_atomic "$full" "$kept"
    at=$(progress "$kept")
    epochs="${at%% *} epochs"
    [ "${at%% *}" = 1 ] && epochs="1 epoch"
    echo "train-course-models: parked $name after $epochs and ${at#* } batches in $kept"
}

action=train_one
if [ "${1:-}" = --park ]; then
    action=park
    shift
    [ $# -gt 0 ] || { echo "train-course-models: --park needs a model name" >&2; exit 1; }
fi
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(class time denoiser denoiser-pure)
for n in "${names[@]}"; do recipe "$n" > /dev/null; done
for n in "${names[@]}"; do "$action" "$n"; done
