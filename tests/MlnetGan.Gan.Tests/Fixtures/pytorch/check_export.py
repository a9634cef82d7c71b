"""Loads state dicts written by `mlnetgan export --format pytorch` into main.py's classes (make_fixtures.py) and
compares them with reference files: python3 check_export.py <exported folder> [<reference folder>].

Checks that torch.load(..., weights_only=True) reads both files, that main.py's Generator and Discriminator take them
with load_state_dict(strict=True), and, given a reference folder (e.g. the fixture imported before the export), that
every tensor equals the reference's bit for bit. 64x64 only: main.py's classes have four blocks.
"""
import os
import sys

import torch

from make_fixtures import Discriminator, Generator


def load(path):
    return torch.load(path, map_location='cpu', weights_only=True)


def main(exported, reference=None):
    sdG, sdD = load(os.path.join(exported, 'netG.pth')), load(os.path.join(exported, 'netD.pth'))
    nz, ngf, nc, ndf = sdG['main.0.weight'].shape[0], sdG['main.12.weight'].shape[0], sdD['main.0.weight'].shape[1], sdD['main.0.weight'].shape[0]
    Generator(nz, ngf, nc).load_state_dict(sdG, strict=True)
    Discriminator(ndf, nc).load_state_dict(sdD, strict=True)
    print(f'loaded into main.py\'s classes: nz {nz}, ngf {ngf}, ndf {ndf}, nc {nc}')
    if reference:
        for name, sd in (('netG.pth', sdG), ('netD.pth', sdD)):
            ref = {k.removeprefix('module.'): v for k, v in load(os.path.join(reference, name)).items()}
            assert sorted(ref) == sorted(sd), f'{name}: names differ'
            for k in ref:
                assert ref[k].dtype == sd[k].dtype and ref[k].shape == sd[k].shape and torch.equal(ref[k], sd[k]), f'{name}: {k} differs'
        print('every tensor equals the reference')


if __name__ == '__main__':
    main(*sys.argv[1:])
