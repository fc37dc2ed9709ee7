#!/usr/bin/env bash
cd /work/main
J="java -Dgroundup.threads=2 -jar /tmp/fashion.jar"
o=/tmp/fashion
$J train --dataset fashion-mnist --net two-layer --optimizer sgd --lr 0.1 --epochs 17 --backend cpu --out $o/two-layer > $o/two-layer.log 2>&1
$J train --dataset fashion-mnist --net mlp --epochs 20 --backend cpu --out $o/mlp > $o/mlp.log 2>&1
$J train --dataset fashion-mnist --net mlp --batchnorm --dropout 0.2 --weight-decay 0.0001 --epochs 20 --backend cpu --out $o/mlp-bn > $o/mlp-bn.log 2>&1
$J train --dataset fashion-mnist --net simple-cnn --epochs 20 --backend cpu --out $o/simple-cnn > $o/simple-cnn.log 2>&1
$J train --dataset fashion-mnist --net deep-cnn --epochs 20 --backend cpu --out $o/deep-cnn > $o/deep-cnn.log 2>&1
echo done > $o/done
