import { Module } from '@nestjs/common';
import { ModelsController } from './models.controller.js';
import { ModelsRepository } from './models.repository.js';
import { ModelsService } from './models.service.js';
import { ProvidersController } from './providers.controller.js';

@Module({ controllers: [ModelsController, ProvidersController], providers: [ModelsRepository, ModelsService], exports: [ModelsRepository] })
export class ModelsModule {}
