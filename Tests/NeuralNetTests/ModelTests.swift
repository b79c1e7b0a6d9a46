import XCTest
import Tensor
@testable import NeuralNet

final class ModelTests: XCTestCase {
    func testResNet18StateDictMatchesTorchvisionNames() {
        let model = ResNet(.resnet18, inChannels: 5, numClasses: 7)
        let names = model.stateDict().map(\.0)
        // torchvision resnet18 has 62 parameters and 60 buffers (3 per BatchNorm, 20 BatchNorms).
        XCTAssertEqual(model.namedParameters().count, 62)
        XCTAssertEqual(names.count, 122)
        for expected in ["conv1.weight", "bn1.running_mean", "layer1.0.conv1.weight", "layer2.0.downsample.0.weight",
                         "layer2.0.downsample.1.num_batches_tracked", "layer4.1.bn2.bias", "fc.weight", "fc.bias"] {
            XCTAssertTrue(names.contains(expected), "missing \(expected)")
        }
        let params = model.namedParameters().reduce(0) { $0 + $1.1.count }
        // torchvision resnet18 with 3 input channels and 1000 classes has 11,689,512 parameters;
        // here conv1 has 5 channels (+2*64*49) and fc has 7 outputs.
        XCTAssertEqual(params, 11_689_512 + 2 * 64 * 49 - (1000 - 7) * 513)
    }

    func testResNet50ParameterCount() {
        let model = ResNet(.resnet50)
        XCTAssertEqual(model.namedParameters().reduce(0) { $0 + $1.1.count }, 25_557_032)
    }

    func testTrainingStepsReduceLoss() {
        var rng = RandomGenerator(seed: 3)
        let model = CNN4(inChannels: 2, numClasses: 3, seed: 1)
        let x = Tensor.normal([6, 2, 16, 16], rng: &rng)
        let y = [0, 1, 2, 0, 1, 2]
        let opt = SGD(parameters: model.parameters, learningRate: 0.05, momentum: 0.9)
        var losses: [Float] = []
        for _ in 0..<5 {
            model.zeroGrad()
            let loss = crossEntropy(model(x), targets: y)
            loss.backward()
            opt.step()
            losses.append(loss.item)
        }
        XCTAssertLessThan(losses.last!, losses.first!, "losses \(losses)")
        model.train(false)
        let out = withNoGrad { model(x) }
        XCTAssertEqual(out.shape, [6, 3])
        XCTAssertNil(out.gradFn)
    }

    func testInferenceFoldsBatchNormAndReLUIntoConvolutions() {
        // Eval-mode inference (nothing recorded) runs each conv-bn(-relu) as one convolution
        // with folded weights and a fused ReLU; with gradients on, the ops run as written.
        // Both must agree, for ResNet-18 and CNN4, with running statistics far from 0 and 1.
        var rng = RandomGenerator(seed: 9)
        let x = Tensor.normal([3, 3, 40, 40], rng: &rng)
        for net in [ResNet(.resnet18, inChannels: 3, numClasses: 10, seed: 2) as any Layer,
                    CNN4(inChannels: 3, numClasses: 10, seed: 2)] {
            net.train(true)
            for _ in 0..<3 { withNoGrad { _ = net(x * 2 + 0.5) } }  // running stats move off their defaults
            net.train(false)
            let unfolded = net(x), folded = withNoGrad { net(x) }
            XCTAssertTrue(unfolded.requiresGrad)
            XCTAssertFalse(folded.requiresGrad)
            let worst = zip(unfolded.toArray(), folded.toArray()).map { abs($0 - $1) }.max()!
            let scale = unfolded.toArray().map(abs).max()!
            XCTAssertLessThan(worst, 1e-4 * max(scale, 1), "\(type(of: net))")
        }
        let conv = Tensor.normal([2, 8, 9, 9], rng: &rng), w = Tensor.normal([16, 8, 3, 3], rng: &rng), b = Tensor.normal([16], rng: &rng)
        let fused = withNoGrad { Tensor.conv2d(conv, weight: w, bias: b, padding: 1, relu: true) }
        let plain = withNoGrad { Tensor.conv2d(conv, weight: w, bias: b, padding: 1).relu() }
        XCTAssertEqual(fused.toArray(), plain.toArray())
        XCTAssertTrue(fused.toArray().contains(0) && fused.toArray().contains { $0 > 0 })
    }

    func testCrossEntropyKnownAnswerAndGradient() {
        let logits = Tensor(shape: [2, 3], [1, 2, 3, 0, 0, 0])
        // -log softmax: row 0 target 2 -> log(e+e^2+e^3) - 3 = 0.40760596; row 1 target 0 -> log 3
        let l = crossEntropy(logits, targets: [2, 0])
        XCTAssertEqual(l.item, (0.40760596 + 1.0986123) / 2, accuracy: 1e-5)
        var rng = RandomGenerator(seed: 5)
        let report = GradCheck.check([Tensor.normal([3, 4], rng: &rng)]) {
            crossEntropy($0[0], targets: [1, 3, 0], labelSmoothing: 0.1, classWeights: [1, 2, 0.5, 1])
        }
        XCTAssertTrue(report.passed, report.description)
    }

    func testSGDMomentumUpdate() {
        let p = Tensor(shape: [1], [1], requiresGrad: true)
        let opt = SGD(parameters: [p], learningRate: 0.1, momentum: 0.9, weightDecay: 0.5)
        p.grad = Tensor(shape: [1], [2])
        opt.step()  // v = 2 + 0.5 = 2.5; p = 1 - 0.25
        XCTAssertEqual(p.item, 0.75, accuracy: 1e-6)
        p.grad = Tensor(shape: [1], [2])
        opt.step()  // v = 0.9*2.5 + 2 + 0.375 = 4.625; p = 0.75 - 0.4625
        XCTAssertEqual(p.item, 0.2875, accuracy: 1e-6)
    }
}

final class AdamWTests: XCTestCase {
    func testFirstTwoStepsMatchHandComputation() {
        let p = Tensor(shape: [1], [1], requiresGrad: true)
        let opt = AdamW(parameters: [p], learningRate: 0.1, weightDecay: 0.5)
        p.grad = Tensor(shape: [1], [2])
        opt.step()  // decay: 1 * 0.95; m-hat = 2, v-hat = 4 -> step 0.1 * 2 / 2
        XCTAssertEqual(p.item, 0.95 - 0.1, accuracy: 1e-5)
        p.grad = Tensor(shape: [1], [-1])
        opt.step()
        // m = 0.9*0.2 - 0.1 = 0.08, m-hat = 0.08/0.19; v = 0.999*0.004 + 0.001 = 0.004996, v-hat = v/0.001999
        let mh: Float = 0.08 / 0.19, vh: Float = 0.004996 / 0.001999
        XCTAssertEqual(p.item, 0.85 * 0.95 - 0.1 * mh / (vh.squareRoot() + 1e-8), accuracy: 1e-5)
    }
}
