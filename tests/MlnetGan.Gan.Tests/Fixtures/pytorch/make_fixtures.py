"""Writes the PyTorch fixtures of the MlnetGan PyTorch import/export tests (see README.md beside this script).

The Generator and Discriminator classes are pytorch/examples' dcgan/main.py's (64x64 images), without its ngpu
argument. Each variant is initialised as main.py does (weights_init, fixed seed), trained for a few of main.py's
steps on random images (so weights and BatchNorm running statistics are not their initial values), saved with
torch.save(net.state_dict(), ...), and evaluated in eval mode on fixed inputs whose values C# computes with the same
integer formula (probe_values). Outputs are raw little-endian float32 files.
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


class Generator(nn.Module):
    def __init__(self, nz, ngf, nc):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, input):
        return self.main(input)


class Discriminator(nn.Module):
    def __init__(self, ndf, nc):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 8), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False), nn.Sigmoid())

    def forward(self, input):
        return self.main(input).view(-1, 1).squeeze(1)


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find('Conv') != -1:
        torch.nn.init.normal_(m.weight, 0.0, 0.02)
    elif classname.find('BatchNorm') != -1:
        torch.nn.init.normal_(m.weight, 1.0, 0.02)
        torch.nn.init.zeros_(m.bias)


def probe_values(count, multiplier):
    """count values in [-1, 1]: ((i * multiplier) mod 2001 - 1000) / 1000, i = 0, 1, ... (PyTorchFixtures.Probe in C#)."""
    i = torch.arange(count, dtype=torch.float64)
    return (((i * multiplier) % 2001 - 1000) / 1000).to(torch.float32)


def train(netG, netD, nz, nc, steps, seed):
    """main.py's training loop on random images in [-1, 1] (batch 8)."""
    generator = torch.Generator().manual_seed(seed)
    criterion = nn.BCELoss()
    optimizerD = torch.optim.Adam(netD.parameters(), lr=0.0002, betas=(0.5, 0.999))
    optimizerG = torch.optim.Adam(netG.parameters(), lr=0.0002, betas=(0.5, 0.999))
    for _ in range(steps):
        real = torch.rand(8, nc, 64, 64, generator=generator) * 2 - 1
        netD.zero_grad()
        errD_real = criterion(netD(real), torch.full((8,), 1.0))
        errD_real.backward()
        fake = netG(torch.randn(8, nz, 1, 1, generator=generator))
        errD_fake = criterion(netD(fake.detach()), torch.full((8,), 0.0))
        errD_fake.backward()
        optimizerD.step()
        netG.zero_grad()
        errG = criterion(netD(fake), torch.full((8,), 1.0))
        errG.backward()
        optimizerG.step()


def discriminator_outputs(netD, x):
    """The head's logits (before main.py's Sigmoid) and the features of MlnetGan's ONNX export: the output of every
    LeakyReLU max-pooled to 4x4, flattened channel-major and concatenated in block order."""
    pooled = []
    for layer in list(netD.main)[:-1]:
        x = layer(x)
        if isinstance(layer, nn.LeakyReLU):
            k = x.shape[-1] // 4
            pooled.append((F.max_pool2d(x, k, k) if k > 1 else x).flatten(1))
    return x.flatten(1), torch.cat(pooled, 1)


def write(path, tensor):
    with open(path, 'wb') as f:
        f.write(tensor.detach().contiguous().to(torch.float32).numpy().astype('<f4').tobytes())


def make(folder, nz, ngf, ndf, nc, seed, d_images, g_latents, data_parallel=False):
    os.makedirs(folder, exist_ok=True)
    torch.manual_seed(seed)
    netG, netD = Generator(nz, ngf, nc), Discriminator(ndf, nc)
    netG.apply(weights_init)
    netD.apply(weights_init)
    train(netG, netD, nz, nc, steps=3, seed=seed)
    netG.eval()
    netD.eval()
    # What a multi-GPU run saves: main.py wraps the nets in DataParallel when ngpu > 1, so every key starts with module.
    saveG, saveD = (nn.DataParallel(netG), nn.DataParallel(netD)) if data_parallel else (netG, netD)
    torch.save(saveG.state_dict(), os.path.join(folder, 'netG.pth'))
    torch.save(saveD.state_dict(), os.path.join(folder, 'netD.pth'))
    with torch.no_grad():
        x = probe_values(d_images * nc * 64 * 64, 7919).view(d_images, nc, 64, 64)
        logits, features = discriminator_outputs(netD, x)
        z = probe_values(g_latents * nz, 104729).view(g_latents, nz, 1, 1)
        images = netG(z)
    write(os.path.join(folder, 'logits.bin'), logits)
    write(os.path.join(folder, 'features.bin'), features)
    write(os.path.join(folder, 'images.bin'), images)
    with open(os.path.join(folder, 'expected.json'), 'w') as f:
        json.dump({'nz': nz, 'ngf': ngf, 'ndf': ndf, 'channels': nc, 'imageSize': 64, 'discriminatorImages': d_images,
                   'generatorLatents': g_latents, 'dataParallel': data_parallel, 'torch': torch.__version__}, f, indent=2)
        f.write('\n')


def make_foreign(folder):
    """State dicts the import must refuse: an unrelated network's (ResNet-like names), and main.py's discriminator
    with a tensor left out."""
    os.makedirs(folder, exist_ok=True)
    torch.manual_seed(21)
    resnet_like = nn.Module()
    resnet_like.conv1 = nn.Conv2d(3, 4, 3, bias=False)
    resnet_like.bn1 = nn.BatchNorm2d(4)
    resnet_like.fc = nn.Linear(4, 2)
    torch.save(resnet_like.state_dict(), os.path.join(folder, 'resnet_like.pth'))
    netD = Discriminator(ndf=2, nc=1)
    netD.apply(weights_init)
    state = netD.state_dict()
    del state['main.3.running_var']
    torch.save(state, os.path.join(folder, 'netD-missing-running-var.pth'))


if __name__ == '__main__':
    root = os.path.dirname(os.path.abspath(sys.argv[0]))
    torch.set_num_threads(1)
    make(os.path.join(root, 'rgb64'), nz=8, ngf=4, ndf=4, nc=3, seed=18, d_images=2, g_latents=1)
    make(os.path.join(root, 'gray64'), nz=8, ngf=2, ndf=2, nc=1, seed=19, d_images=2, g_latents=2)
    make(os.path.join(root, 'gray64-dataparallel'), nz=8, ngf=2, ndf=2, nc=1, seed=20, d_images=2, g_latents=2, data_parallel=True)
    make_foreign(os.path.join(root, 'foreign'))
