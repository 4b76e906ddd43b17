import { Module } from '@nestjs/common';
import { DirectoryModule } from '../directory/user-directory.js';
import { ModelsController } from './models.controller.js';
import { ModelsRepository } from './models.repository.js';
import { ModelsService } from './models.service.js';
import { ProvidersController } from './providers.controller.js';

@Module({
  imports: [DirectoryModule],
  controllers: [ModelsController, ProvidersController],
  providers: [ModelsRepository, ModelsService],
  exports: [ModelsRepository],
})
export class ModelsModule {}
